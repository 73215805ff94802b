//! Bounds of one environment's template run, besides minijinja's fuel (which stops loops, not
//! allocation): at most [`MAX_OUTPUT_BYTES`] of values and rendered output together, counted as
//! the output is written, so a template that emits without end fails with an error naming it
//! instead of taking the machine's memory; and at most as much again of text produced by
//! `{{ ... }}` expressions, counted where each is formatted (also inside `{% set %}` blocks and
//! macro calls), so that error also names the line.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::value::{Object, Value as JValue, ValueKind};
use minijinja::{Error, ErrorKind, Output, State, Template};

/// Largest total, per environment, of its values (as JSON) and its templates' output; and,
/// separately, of the text its `{{ ... }}` expressions produce.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;

/// The template global holding the budget of the run, for the formatter.
const GLOBAL: &str = "__kforge_budget";

/// The bounds of one environment's template run. kforge always runs with the defaults
/// ([`RunLimits::default`]); a program embedding the renderer, or a fuzz target, may lower
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// minijinja fuel per template, against runaway loops.
    pub fuel: u64,
    /// Values (as JSON) and rendered output together, bytes; and, separately, the text of
    /// `{{ ... }}` expressions.
    pub output_bytes: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self {
            fuel: FUEL,
            output_bytes: MAX_OUTPUT_BYTES,
        }
    }
}

/// Upper bound on template work (minijinja fuel), against runaway loops.
pub const FUEL: u64 = 50_000_000;

/// What one environment's run has used of its bounds.
#[derive(Debug)]
pub struct Budget {
    /// Values and written output, bytes.
    output: AtomicUsize,
    /// Text of formatted expressions, bytes.
    expressions: AtomicUsize,
    /// The bound of each, bytes.
    limit: usize,
}

impl Object for Budget {}

/// Why one template's run gave no output.
#[derive(Debug)]
pub enum RunFailed {
    /// The template failed (an undefined value, a filter's error...), at its line.
    Template(Error),
    /// The run went over its bound of values and output: the whole render stops.
    OverBudget(OverBudget),
}

/// The run went over its bound of values and output.
#[derive(Debug)]
pub struct OverBudget {
    /// Bytes used when it was refused.
    pub used: usize,
    /// The bound, bytes.
    pub limit: usize,
}

impl OverBudget {
    /// What is wrong and what to do, for a diagnostic about `template`.
    pub fn message(&self, template: &str) -> String {
        format!(
            "template {template}: the values and rendered output of this environment reach {} bytes, over the {}-byte limit of a template run; a loop that emits without end, or values far larger than a chart can hold (5 MiB a file)?",
            self.used, self.limit
        )
    }
}

impl Budget {
    /// A budget of `limit` bytes with `values_bytes` already used by the values; refused when
    /// they alone are over the limit.
    pub fn new(values_bytes: usize, limit: usize) -> Result<Arc<Self>, OverBudget> {
        if values_bytes > limit {
            return Err(OverBudget {
                used: values_bytes,
                limit,
            });
        }
        Ok(Arc::new(Self {
            output: AtomicUsize::new(values_bytes),
            expressions: AtomicUsize::new(0),
            limit,
        }))
    }

    /// Adds the budget to an environment's globals, where [`format_value`] finds it.
    pub fn install(self: &Arc<Self>, env: &mut minijinja::Environment<'_>) {
        env.add_global(GLOBAL, JValue::from_dyn_object(self.clone()));
    }

    fn charge(&self, counter: &AtomicUsize, len: usize) -> Result<(), usize> {
        let used = counter
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len);
        if used > self.limit { Err(used) } else { Ok(()) }
    }
}

/// Renders `template` into a string, charging what it writes to `budget`.
pub fn render(template: &Template<'_, '_>, budget: &Budget) -> Result<String, RunFailed> {
    let mut writer = Capped {
        buf: Vec::new(),
        budget,
        over: None,
    };
    match template.render_captured_to((), &mut writer) {
        Ok(_) => {}
        Err(e) => {
            return Err(match writer.over {
                Some(used) => RunFailed::OverBudget(OverBudget {
                    used,
                    limit: budget.limit,
                }),
                None => RunFailed::Template(e),
            });
        }
    }
    // minijinja writes only whole `str`s.
    String::from_utf8(writer.buf).map_err(|_| {
        RunFailed::Template(Error::new(ErrorKind::WriteFailure, "output is not UTF-8"))
    })
}

/// The output of one template, charged to the run's budget as it is written.
struct Capped<'a> {
    buf: Vec<u8>,
    budget: &'a Budget,
    over: Option<usize>,
}

impl io::Write for Capped<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Err(used) = self.budget.charge(&self.budget.output, data.len()) {
            self.over = Some(used);
            return Err(io::Error::other("over the output limit of a template run"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// minijinja's escaping formatter, which also charges the text of each expression to the
/// run's budget: over it, the expression fails at its line.
pub fn format_value(
    out: &mut Output<'_>,
    state: &State<'_, '_>,
    value: &JValue,
) -> Result<(), Error> {
    if let Some(budget) = state
        .lookup(GLOBAL)
        .and_then(|b| b.downcast_object::<Budget>())
    {
        let len = match value.kind() {
            ValueKind::String => value.as_str().map_or(0, str::len),
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable | ValueKind::Plain => {
                value.to_string().len()
            }
            _ => 0,
        };
        if let Err(used) = budget.charge(&budget.expressions, len) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the expressions of this environment's templates have produced {used} bytes, over the {}-byte limit of a template run; a loop or macro that grows a string without end?",
                    budget.limit
                ),
            ));
        }
    }
    minijinja::escape_formatter(out, state, value)
}

/// About the size of `json` written out: its strings and keys by length, other scalars and
/// punctuation by a few bytes each. A walk of the tree, without the cost of writing it (a
/// 30 MiB value would be escaped byte by byte).
pub fn json_size(json: &serde_json::Value) -> usize {
    use serde_json::Value as J;
    let mut size = 0usize;
    let mut stack = vec![json];
    while let Some(v) = stack.pop() {
        size = size.saturating_add(match v {
            J::String(s) => s.len() + 2,
            J::Array(items) => {
                stack.extend(items);
                items.len() + 2
            }
            J::Object(map) => {
                stack.extend(map.values());
                map.keys().map(|k| k.len() + 4).sum::<usize>() + 2
            }
            J::Null | J::Bool(_) | J::Number(_) => 8,
        });
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str) -> Result<String, RunFailed> {
        let mut env = minijinja::Environment::new();
        env.set_formatter(format_value);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Json);
        env.add_template("t.yaml", source).unwrap();
        let budget = Budget::new(0, MAX_OUTPUT_BYTES).unwrap();
        budget.install(&mut env);
        let template = env.get_template("t.yaml").unwrap();
        render(&template, &budget)
    }

    #[test]
    fn output_past_the_limit_is_refused() {
        // 100,000 x 4 KiB of literal text: 400 MiB.
        let text = format!(
            "{{% for i in range(100000) %}}{}\n{{% endfor %}}",
            "x".repeat(4096)
        );
        let Err(RunFailed::OverBudget(over)) = run(&text) else {
            panic!("rendered past the limit")
        };
        assert!(over.used > MAX_OUTPUT_BYTES);
        assert!(over.message("t.yaml").contains("t.yaml"));
    }

    #[test]
    fn expressions_past_the_limit_fail_at_their_line() {
        // Captured by {% set %}, so nothing reaches the output.
        let text =
            "a\n{% set s %}{% for i in range(100000) %}{{ \"x\" * 4096 }}{% endfor %}{% endset %}";
        let Err(RunFailed::Template(e)) = run(text) else {
            panic!("not refused at the expression")
        };
        assert_eq!(e.line(), Some(2));
        assert!(e.to_string().contains("limit of a template run"), "{e}");
    }

    #[test]
    fn values_are_measured_about_as_written() {
        let json = serde_json::json!({"a": ["xy", 1, null], "big": "z".repeat(1000)});
        let written = serde_json::to_string(&json).unwrap().len();
        let measured = json_size(&json);
        assert!(
            measured >= written && measured < written + 64,
            "{measured} vs {written}"
        );
    }

    #[test]
    fn within_the_limit_renders_as_minijinja_does() {
        let text = "{{ 'a' ~ 1 }}\n{{ [1, 'b'] }}\n{{ {'k': none} }}";
        let mut plain = minijinja::Environment::new();
        plain.set_auto_escape_callback(|_| minijinja::AutoEscape::Json);
        let expected = plain.render_str(text, ()).unwrap();
        assert_eq!(run(text).ok(), Some(expected));
        assert!(matches!(
            Budget::new(MAX_OUTPUT_BYTES + 1, MAX_OUTPUT_BYTES),
            Err(OverBudget { .. })
        ));
    }
}
