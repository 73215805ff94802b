//! A small regular-expression matcher for the `pattern`s of the built-in values schema, so a
//! value can be found valid without building the `regex` each pattern becomes in boon.
//!
//! It knows a subset whose meaning is the same in ECMA-262 (what JSON Schema says a pattern
//! is), in boon's translation and in the `regex` crate: `^`, `$`, literal characters and
//! escaped punctuation, character classes of literals and ranges (negated too), groups
//! (`(…)`, `(?:…)`), alternation and the greedy quantifiers `*`, `+`, `?`, `{n}`, `{n,}`,
//! `{n,m}`. Anything else (`.`, `\d`, `\w`, look-around, flags, lazy quantifiers...) is not
//! parsed: [`Pattern::parse`] returns `None` and the caller asks boon.
//!
//! Matching is a backtracking search over a compiled program that remembers each (instruction,
//! position) it has failed from, so it takes at most instructions × (characters + 1) steps,
//! whatever the pattern: no exponential blow-up on nested quantifiers.

/// One instruction of a compiled pattern.
#[derive(Debug, Clone)]
enum Inst {
    /// One character in the class (ranges, inclusive), or not in it when negated.
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    /// Continue at both, the first tried first.
    Split(usize, usize),
    /// Continue at.
    Jump(usize),
    /// The start of the text.
    Start,
    /// The end of the text.
    End,
    /// A match.
    Match,
}

/// A parsed pattern's syntax tree.
#[derive(Debug, Clone)]
enum Node {
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

/// Repetition counts beyond this are not compiled (the program would grow with them).
const MAX_COUNT: u32 = 100;
/// Instructions beyond this are not compiled.
const MAX_INSTS: usize = 10_000;

/// A compiled pattern of the subset above.
#[derive(Debug, Clone)]
pub struct Pattern {
    prog: Vec<Inst>,
}

impl Pattern {
    /// The pattern compiled, or `None` when it uses anything outside the subset.
    pub fn parse(text: &str) -> Option<Self> {
        let chars: Vec<char> = text.chars().collect();
        let mut p = Parser { chars, at: 0 };
        let node = p.alternation()?;
        if p.at != p.chars.len() {
            return None;
        }
        let mut prog = Vec::new();
        compile(&node, &mut prog)?;
        prog.push(Inst::Match);
        (prog.len() <= MAX_INSTS).then_some(Self { prog })
    }

    /// Whether the pattern matches anywhere in `text` (JSON Schema's patterns are not
    /// anchored). `None` when `text` is too long to search within the step bound.
    pub fn is_match(&self, text: &str) -> Option<bool> {
        const MAX_STEPS: usize = 4 << 20;
        let width = text.chars().count() + 1;
        if self.prog.len().saturating_mul(width) > MAX_STEPS {
            return None;
        }
        let chars: Vec<char> = text.chars().collect();
        let mut failed = vec![false; self.prog.len() * width];
        let mut stack = Vec::new();
        Some((0..width).any(|start| self.run(&chars, start, &mut failed, &mut stack)))
    }

    /// Whether the program matches from `pos` at instruction 0. Every (pc, pos) reached is
    /// marked: no match from it, whatever the path to it, or the search has already ended.
    fn run(
        &self,
        chars: &[char],
        pos: usize,
        failed: &mut [bool],
        stack: &mut Vec<(usize, usize)>,
    ) -> bool {
        let width = chars.len() + 1;
        stack.clear();
        stack.push((0, pos));
        while let Some((pc, pos)) = stack.pop() {
            let seen = &mut failed[pc * width + pos];
            if *seen {
                continue;
            }
            *seen = true;
            match &self.prog[pc] {
                Inst::Match => return true,
                Inst::Class { ranges, negated } => {
                    if let Some(&c) = chars.get(pos) {
                        let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                        if inside != *negated {
                            stack.push((pc + 1, pos + 1));
                        }
                    }
                }
                Inst::Split(a, b) => {
                    stack.push((*b, pos));
                    stack.push((*a, pos));
                }
                Inst::Jump(to) => stack.push((*to, pos)),
                Inst::Start => {
                    if pos == 0 {
                        stack.push((pc + 1, pos));
                    }
                }
                Inst::End => {
                    if pos == chars.len() {
                        stack.push((pc + 1, pos));
                    }
                }
            }
        }
        false
    }
}

fn compile(node: &Node, prog: &mut Vec<Inst>) -> Option<()> {
    if prog.len() > MAX_INSTS {
        return None;
    }
    match node {
        Node::Class(ranges, negated) => prog.push(Inst::Class {
            ranges: ranges.clone(),
            negated: *negated,
        }),
        Node::Start => prog.push(Inst::Start),
        Node::End => prog.push(Inst::End),
        Node::Concat(items) => {
            for item in items {
                compile(item, prog)?;
            }
        }
        Node::Alt(branches) => {
            // split L1, next; L1: a; jump end; next: split L2, ...; last branch.
            let mut jumps = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(branch, prog)?;
                    jumps.push(prog.len());
                    prog.push(Inst::Jump(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    compile(branch, prog)?;
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jump(end);
            }
        }
        Node::Repeat(inner, min, max) => {
            for _ in 0..*min {
                compile(inner, prog)?;
            }
            match max {
                None => {
                    // L: split body, end; body; jump L; end:
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(inner, prog)?;
                    prog.push(Inst::Jump(split));
                    let end = prog.len();
                    prog[split] = Inst::Split(split + 1, end);
                }
                Some(max) => {
                    // (body (body (...)?)?)? for the optional ones, each split to the end.
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(prog.len());
                        prog.push(Inst::Split(prog.len() + 1, 0));
                        compile(inner, prog)?;
                    }
                    let end = prog.len();
                    for s in splits {
                        prog[s] = Inst::Split(s + 1, end);
                    }
                }
            }
        }
    }
    Some(())
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn alternation(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.at += 1;
            branches.push(self.concat()?);
        }
        Some(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Some(Node::Concat(items))
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.at += 1;
                let min = self.number()?;
                let max = match self.peek()? {
                    '}' => Some(min),
                    ',' => {
                        self.at += 1;
                        if self.peek()? == '}' {
                            None
                        } else {
                            Some(self.number()?)
                        }
                    }
                    _ => return None,
                };
                if self.peek()? != '}' || max.is_some_and(|m| m < min) {
                    return None;
                }
                (min, max)
            }
            _ => return Some(atom),
        };
        self.at += 1;
        // A quantifier of an assertion, a lazy (`*?`) or possessive one, or two in a row.
        if matches!(atom, Node::Start | Node::End)
            || matches!(self.peek(), Some('?' | '*' | '+' | '{'))
        {
            return None;
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let n: u32 = self.chars[start..self.at]
            .iter()
            .collect::<String>()
            .parse()
            .ok()?;
        (n <= MAX_COUNT).then_some(n)
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            '^' => Some(Node::Start),
            '$' => Some(Node::End),
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.at + 1) != Some(&':') {
                        return None;
                    }
                    self.at += 2;
                }
                let inner = self.alternation()?;
                if self.peek()? != ')' {
                    return None;
                }
                self.at += 1;
                Some(inner)
            }
            '[' => self.class(),
            '\\' => {
                let e = self.escaped()?;
                Some(Node::Class(vec![(e, e)], false))
            }
            '.' | '*' | '+' | '?' | '{' | '}' | ')' | ']' => None,
            c => Some(Node::Class(vec![(c, c)], false)),
        }
    }

    /// After a `\`: escaped ASCII punctuation stands for itself; any other escape is outside
    /// the subset.
    fn escaped(&mut self) -> Option<char> {
        let e = self.peek()?;
        self.at += 1;
        e.is_ascii_punctuation().then_some(e)
    }

    /// After a `[`.
    fn class(&mut self) -> Option<Node> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.at += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match c {
                // `[` inside a class is literal in both, but `[[:alpha:]]` and set operations
                // are not: left out.
                '[' | ']' => return None,
                '\\' => self.escaped()?,
                c => c,
            };
            // A range, unless the `-` is last (`[a-]`).
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&n| n != ']') {
                self.at += 1;
                let hi = match self.peek()? {
                    '[' => return None,
                    '\\' => {
                        self.at += 1;
                        self.escaped()?
                    }
                    c => {
                        self.at += 1;
                        c
                    }
                };
                if hi < lo {
                    return None;
                }
                ranges.push((lo, hi));
            } else {
                // `-` in the middle between two ranges (`[a-z-0]`) is literal in ECMA; the
                // regex crate reads it the same.
                ranges.push((lo, lo));
            }
        }
        Some(Node::Class(ranges, negated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &[&str] = &[
        "^/",
        "^[-._a-zA-Z][-._a-zA-Z0-9]*$",
        "^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$",
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        "^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
        "^[a-z]([-a-z0-9]*[a-z0-9])?$",
    ];

    const OTHERS: &[&str] = &[
        "abc",
        "a|b|cd",
        "^(ab|a)c$",
        "x{2,3}y",
        "^x{2}$",
        "^x{2,}$",
        "(?:ab)+$",
        "^[^a-c]+$",
        "[a-]z",
        "(a*)*b",
        "^$",
        "",
        "^a?b+c*$",
    ];

    /// Texts every pattern is tried on, with some made of the patterns' own characters.
    fn texts() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "a",
            "ab",
            "abc",
            "-a",
            "a-",
            "a-b",
            "a.b",
            "a..b",
            "A",
            "/x",
            "x/",
            "a:b",
            "a+b:C=_",
            "a:",
            ":b",
            "xx",
            "xxx",
            "xxxxy",
            "xy",
            "b",
            "cd",
            "abab",
            "d",
            "z",
            "-z",
            "aaab",
            "aaa",
            "0",
            "0a",
            "a0",
            "é",
            "a\nb",
            "acc",
            "abcc",
            "bbb",
            "kube-system",
            "app.kubernetes.io",
            "Ab",
            "_x",
            ".x",
            "x-",
            "my_var",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let alphabet = [
            'a', 'b', 'c', 'x', 'y', 'z', '0', '-', '.', ':', '=', '/', 'A', '_',
        ];
        let mut seed: u64 = 7;
        for len in 0..12 {
            for _ in 0..60 {
                let s: String = (0..len)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        alphabet[(seed >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                out.push(s);
            }
        }
        out
    }

    #[test]
    fn it_agrees_with_the_regex_crate() {
        for p in SHIPPED.iter().chain(OTHERS) {
            let ours = Pattern::parse(p).unwrap_or_else(|| panic!("{p} not parsed"));
            let theirs = regex::Regex::new(p).unwrap();
            for t in texts() {
                assert_eq!(ours.is_match(&t), Some(theirs.is_match(&t)), "{p} on {t:?}");
            }
        }
    }

    #[test]
    fn what_it_does_not_know_it_leaves_to_boon() {
        for p in [
            ".",
            "\\d",
            "\\w+",
            "(?=a)",
            "a*?",
            "a++",
            "[[:alpha:]]",
            "(?i)a",
            "a{2",
            "(a",
            "a)",
            "[a",
            "x{200}",
            "\\bq",
            "[\\d]",
        ] {
            assert!(Pattern::parse(p).is_none(), "{p}");
        }
    }

    #[test]
    fn long_texts_are_linear_or_left_to_boon() {
        let p = Pattern::parse("^(a*)*b$").unwrap();
        assert_eq!(p.is_match(&"a".repeat(10_000)), Some(false));
        assert_eq!(p.is_match(&"a".repeat(10_000_000)), None);
    }
}
