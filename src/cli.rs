//! Command-line definitions (clap only), kept apart so completions and the man page can be
//! generated from them.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::lint::Category;
use crate::values::{CliLayers, SetArg};

/// Merge environment overlays, render Kubernetes manifests, and package them as Helm charts.
#[derive(Debug, Parser)]
#[command(
    name = "kforge",
    version,
    about,
    max_term_width = 100,
    disable_version_flag = true
)]
pub struct Cli {
    /// Run as if kforge was started in DIR (like `git -C`).
    #[arg(
        short = 'C',
        long = "directory",
        global = true,
        value_name = "DIR",
        env = "KFORGE_DIR"
    )]
    pub directory: Option<PathBuf>,

    /// Print version.
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    pub print_version: Option<bool>,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render an environment's manifests (multi-document YAML on stdout, in Helm's install order).
    #[command(
        after_help = "EXAMPLES:\n  kforge render -e prod | kubectl apply -f -\n  kforge render -e dev --set image.tag=2.10.1 -o json\n  kforge render --all-envs --output-dir out/"
    )]
    Render(RenderArgs),
    /// Show the merged values of an environment, optionally with where each value came from.
    #[command(
        after_help = "EXAMPLES:\n  kforge values -e prod\n  kforge values -e prod --show-origin\n  kforge values -e staging -o json"
    )]
    Values(ValuesCmdArgs),
    /// Package environments as byte-reproducible Helm charts: DIR/<env>/<name>-<version>.tgz.
    #[command(
        after_help = "EXAMPLES:\n  kforge package -e prod\n  kforge package --all-envs --version 1.4.0 -d dist\n  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) kforge package --all-envs"
    )]
    Package(PackageArgs),
    /// The main CI job: render, lint and package every environment into DIR/<env>/, each
    /// folder a chart repository with its index.yaml; one summary line per environment.
    #[command(
        after_help = "EXAMPLES:\n  kforge build\n  kforge build -e prod --version 1.4.1\n  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) kforge build -d dist"
    )]
    Build(BuildArgs),
    /// Chart repository tools.
    #[command(
        after_help = "EXAMPLES:\n  kforge repo index dist/prod\n  kforge repo index charts/ --url https://charts.example.com --merge published-index.yaml"
    )]
    Repo(RepoArgs),
    /// Push a chart archive to an OCI registry as Helm does (`helm pull oci://...` works).
    #[command(
        after_help = "CREDENTIALS (first found): --username with --password-stdin; KFORGE_REGISTRY_USERNAME and\nKFORGE_REGISTRY_PASSWORD; `auths` in $DOCKER_CONFIG/config.json or ~/.docker/config.json, then\nHelm's ~/.config/helm/registry/config.json; else anonymous. They are never printed, and\nare sent only to the registry named, never across a redirect to another host (a host a\nredirect leads to that refuses the push is the one the error names).\n\nA PUBLISHED VERSION NEVER CHANGES: when the registry holds the version already, the same archive\nis not uploaded again (exit 0) and another is refused (exit 1). Push each environment to a\nrepository of its own (.../charts/prod), since one version is a different chart in each.\n\nEXAMPLES:\n  kforge push dist/prod/krakend-1.0.0.tgz oci://ghcr.io/acme/charts/prod\n  echo \"$TOKEN\" | kforge push dist/prod/krakend-1.0.0.tgz oci://ghcr.io/acme/charts/prod --username bot --password-stdin\n  kforge push dist/dev/krakend-1.0.0.tgz oci://127.0.0.1:5000/charts/dev --plain-http"
    )]
    Push(PushArgs),
    /// Lint the project's environments, or manifest files, folders and stdin: Kubernetes API
    /// types, API lifecycle, cross-object references, best practice and security.
    #[command(
        after_help = "EXAMPLES:\n  kforge lint                          # every environment of the project\n  kforge lint -e prod --format sarif > kforge.sarif\n  helm template . | kforge lint - --allow-unknown-kinds\n  kforge lint manifests/ --kube-version 1.29 --only types,lifecycle\n  kforge lint --explain latest-tag\n\nCONFIG: kforge-lint.yaml in the project (kubeVersion, only, skip, disable, allowUnknownKinds).\nPer object: annotation `kforge.io/ignore: rule-a,rule-b`.\nExit codes: 0 no errors (warnings allowed unless --strict), 1 errors found, 2 unusable input."
    )]
    Lint(LintArgs),
    /// What CI runs on every commit: values schema, render and lint of every environment,
    /// golden check, and a package dry run that refuses to change a published version.
    /// Writes nothing; reports every problem and exits 1 if there is any.
    #[command(
        after_help = "EXAMPLES:\n  kforge check\n  kforge -C services/gateway check\n  kforge check -d dist --version 1.4.1\n\nExit codes: 0 everything passed (warnings allowed), 1 problems found, 2 not a project or bad flags."
    )]
    Check(CheckArgs),
    /// Structural diff, per resource (kind/namespace/name) and per path: two environments, or
    /// one environment against a packaged chart or a folder of manifests.
    #[command(
        after_help = "EXAMPLES:\n  kforge diff staging prod\n  kforge diff -e prod --against dist/prod/krakend-1.0.0.tgz\n  kforge diff -e prod --against deployed/ --exit-code\n  kforge diff dev prod -o json\n\nKey order is not a change; list items with a `name` (containers, env, ports) are matched by name.\nExit codes: 0 compared (1 with --exit-code when different), 2 bad input."
    )]
    Diff(DiffArgs),
    /// Create a new project in DIR that passes `kforge check` and `kforge build` at once.
    #[command(
        after_help = "EXAMPLES:\n  kforge init my-service\n  kforge init . --name payments-api\n  kforge init svc && cd svc && kforge check && kforge build"
    )]
    Init(InitArgs),
    /// Turn an application's manifests (one file, folder or `-` stream per environment) into a
    /// project: a component per workload, shared values in base.yaml, differences in overlays;
    /// proves that every environment renders back with zero differences.
    #[command(
        after_help = "EXAMPLES:\n  kforge import -o shop prod=manifests/\n  helm template shop ./chart | kforge import -o shop prod=-\n  kubectl kustomize overlays/staging > staging.yaml\n  kforge import -o shop dev=dev.yaml staging=staging.yaml production=production.yaml\n\nIt writes environments/base.yaml (what every environment shares), a shared layer\nenvironments/_<envs>.yaml for what a group of environments shares beyond it (each names it:\n`kforge: {layers: [...]}`), and each environment's differences in environments/<env>.yaml;\nobjects kforge has no values for are kept as templates, each with why. It prints what it wrote\n(also when it fails) and the commands that prove it: `kforge diff -e ENV --against PATH\n--exit-code` and `kforge check` (docs/import.md).\n\nExit codes: 0 imported and proved, 1 the result differs from its input (a bug: the project is left to inspect), 2 bad input (no objects, an object twice, YAML that does not parse, a bad environment name, a non-empty output folder without --force, a Helm chart or Kustomize folder: render it first, as the message says)."
    )]
    Import(ImportArgs),
    /// Print the effective values schema (built-in merged with chart-templates/values.schema.json)
    /// as JSON; with --editor, the schema for editing one values file in an editor.
    #[command(
        after_help = "EXAMPLES:\n  kforge schema > values.schema.json\n  kforge schema --editor > environments/values.schema.json\n\nWith --editor no key is required and `null` is allowed everywhere (an overlay holds only what it\nchanges, and `key: null` deletes a key). Environment files name it on their first line:\n  # yaml-language-server: $schema=values.schema.json"
    )]
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "EXAMPLES:\n  kforge completions bash > /etc/bash_completion.d/kforge\n  kforge completions zsh > \"${fpath[1]}/_kforge\"\n  kforge completions fish > ~/.config/fish/completions/kforge.fish\n  kforge completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(
        after_help = "EXAMPLES:\n  kforge man > /usr/local/share/man/man1/kforge.1\n  kforge man | man -l -"
    )]
    Man,
    /// Compare rendered output with golden/<env>/ (check), or rewrite it (update).
    #[command(
        after_help = "EXAMPLES:\n  kforge golden check   # exit 1 with a diff when output drifted\n  kforge golden update  # accept the current output"
    )]
    Golden(GoldenArgs),
}

/// Layers added on the command line.
#[derive(Debug, Args, Default)]
pub struct ValuesArgs {
    /// Extra values file merged after the environment's overlay (repeatable, in order).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Set a value: KEY=VALUE[,KEY=VALUE] with Helm's syntax (a.b=c, list[0]=x, list={a,b}).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Like --set, but every value stays a string.
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// --set and --set-string merged in command-line order (filled after parsing).
    #[arg(skip)]
    pub ordered: Vec<SetArg>,
}

impl ValuesArgs {
    /// The command-line layers.
    pub fn layers(&self) -> CliLayers {
        CliLayers {
            files: self.files.clone(),
            sets: self.ordered.clone(),
        }
    }
}

/// Output format.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// YAML.
    #[default]
    Yaml,
    /// JSON.
    Json,
}

/// `-e ENV` or `--all-envs`, exactly one.
#[derive(Debug, Args)]
pub struct EnvSelection {
    /// One environment.
    #[arg(
        short = 'e',
        long = "env",
        value_name = "ENV",
        env = "KFORGE_ENV",
        required_unless_present = "all_envs",
        conflicts_with = "all_envs"
    )]
    pub env: Option<String>,
    /// Every environment of the project.
    #[arg(long = "all-envs")]
    pub all_envs: bool,
}

/// `kforge render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Which environments (--all-envs needs --output-dir).
    #[command(flatten)]
    pub select: EnvSelection,
    /// Write one folder per environment, one file per object, instead of stdout.
    #[arg(long = "output-dir", value_name = "DIR", value_parser = folder_to_create)]
    pub output_dir: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Format,
    /// Leave out lifecycle hooks (pre-install, pre-upgrade... Jobs), which are otherwise shown
    /// after the manifests, as `helm template` does. `helm test` hooks are never shown.
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Values layers.
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// The chart options shared by `package`, `build` and `check`.
#[derive(Debug, Args)]
pub struct ChartArgs {
    /// Chart version (strict SemVer 2); default: chart.version from the values.
    #[arg(long = "version", value_name = "V")]
    pub version: Option<String>,
    /// Application version; default: chart.appVersion, else image.tag.
    #[arg(long = "app-version", value_name = "V")]
    pub app_version: Option<String>,
    /// Chart repository folder: each environment gets DIR/<env>/ (`build` keeps its index.yaml
    /// there; `check` refuses a change to a version that index already holds).
    #[arg(
        short = 'd',
        long = "destination",
        value_name = "DIR",
        default_value = "dist",
        env = "KFORGE_DIST",
        value_parser = folder_to_create
    )]
    pub destination: PathBuf,
    /// The published chart repository: DIR/<env>/index.yaml, fetched from it (e.g. by CI), or
    /// the registry CI pushes to, oci://HOST/PATH, each environment's chart at
    /// PATH/<env>/<chart>:<version> (as the jobs `kforge init` writes push): asked for the
    /// version being built and for the last release. A version there never changes. Without
    /// it, a version in the destination's index that a local build wrote (not on CI) is
    /// replaced by the next build; see docs/publishing.md.
    #[arg(
        long = "published",
        value_name = "DIR|oci://HOST/PATH",
        env = "KFORGE_PUBLISHED"
    )]
    pub published: Option<PathBuf>,
    /// The last release of an environment, which this one must be able to upgrade: a chart
    /// archive, or oci://HOST/PATH/NAME:VERSION pulled as `push` would authenticate; its
    /// kforge.io/environment annotation names the environment unless ENV= does (repeatable).
    /// Default: the newest earlier version indexed in the published folder or DIR/<env>/
    /// whose archive is there (docs/upgrades.md).
    #[arg(long = "previous", value_name = "[ENV=]CHART")]
    pub previous: Vec<String>,
    /// Pull --previous oci:// charts over plain HTTP (only for a trusted registry on a
    /// private network).
    #[arg(long = "plain-http")]
    pub plain_http: bool,
}

/// `kforge package`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Which environments.
    #[command(flatten)]
    pub select: EnvSelection,
    /// Version and destination.
    #[command(flatten)]
    pub chart: ChartArgs,
    /// Values layers.
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Only these environments (repeatable); default: every environment.
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Version and destination.
    #[command(flatten)]
    pub chart: ChartArgs,
    /// Values layers.
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Version (for the dry run) and destination.
    #[command(flatten)]
    pub chart: ChartArgs,
    /// Values layers.
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Two environments to compare (old first), unless -e/--against is given.
    #[arg(value_name = "ENV", num_args = 0..=2, conflicts_with = "env")]
    pub envs: Vec<String>,
    /// The environment to compare with --against.
    #[arg(short = 'e', long = "env", value_name = "ENV", requires = "against")]
    pub env: Option<String>,
    /// A chart archive (.tgz), a manifest file or a folder of manifests: the old side.
    #[arg(long = "against", value_name = "CHART.tgz|DIR", requires = "env")]
    pub against: Option<PathBuf>,
    /// Exit 1 when there are differences.
    #[arg(long = "exit-code")]
    pub exit_code: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Values layers (applied to every environment rendered).
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge diff` output.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// For people, coloured on a terminal.
    Text,
    /// For programs.
    Json,
}

/// `kforge init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder (created if missing; must not already hold a project).
    #[arg(value_name = "DIR", value_parser = folder_to_create)]
    pub dir: PathBuf,
    /// Chart and application name (DNS-1123 label); default: the folder's name.
    #[arg(long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// Scaffold an application of several components (a web Deployment, a worker, a nightly
    /// CronJob and a pre-upgrade migration Job) instead of one workload.
    #[arg(long = "components")]
    pub components: bool,
}

/// `kforge import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The project folder to write (new or empty, unless --force).
    #[arg(short = 'o', long = "output", value_name = "DIR", value_parser = folder_to_create)]
    pub output: PathBuf,
    /// Write into a folder that is not empty: its environments/, chart-templates/, config/ and
    /// golden/ folders and its kforge-lint.yaml are removed, whatever they held (other
    /// environments, templates and config sets included), and replaced by the import's;
    /// everything else in it (.git, a README, dist/) stays. Only once the import is proved.
    #[arg(long = "force")]
    pub force: bool,
    /// ENV=PATH: an environment and its manifests (a file, a folder, or `-` for stdin).
    #[arg(value_name = "ENV=PATH", required = true)]
    pub envs: Vec<String>,
}

/// `kforge completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Lint report format.
pub use crate::lint::report::ReportFormat;

// The lint enums are parsed here, by hand, so the lint library does not depend on clap. Each
// variant's help is what `--help`, the completions and the man page show.
impl ValueEnum for ReportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        ReportFormat::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            ReportFormat::Text => "Human-readable, with the offending source lines",
            ReportFormat::Json => "One JSON object with every finding",
            ReportFormat::Sarif => "SARIF 2.1.0 (GitHub code scanning and other viewers)",
            ReportFormat::Junit => "JUnit XML (CI test report views)",
            ReportFormat::Github => "GitHub Actions workflow commands (`::error file=...`)",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

impl ValueEnum for Category {
    fn value_variants<'a>() -> &'a [Self] {
        Category::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Category::Types => "Kubernetes API types and field formats",
            Category::Lifecycle => "Deprecated and removed apiVersions",
            Category::References => "Objects that refer to each other",
            Category::Practice => "Best practice",
            Category::Security => "Security",
            Category::Upgrade => {
                "Updates of the last release Kubernetes rejects (check, build and package; always on)"
            }
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

/// `kforge lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files, folders (recursively *.yaml, *.yml, *.json) or `-` for stdin; default: the
    /// project's rendered environments.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only this environment (default: every environment).
    #[arg(
        short = 'e',
        long = "env",
        value_name = "ENV",
        env = "KFORGE_ENV",
        conflicts_with = "all_envs"
    )]
    pub env: Option<String>,
    /// Every environment of the project (the default when no PATH is given).
    #[arg(long = "all-envs")]
    pub all_envs: bool,
    /// Target Kubernetes version for API lifecycle checks (default: the newest supported).
    #[arg(long = "kube-version", value_name = "X.Y", env = "KFORGE_KUBE_VERSION")]
    pub kube_version: Option<String>,
    /// Report format.
    #[arg(long = "format", value_enum, default_value_t, env = "KFORGE_FORMAT")]
    pub format: ReportFormat,
    /// Only these rule categories.
    #[arg(
        long = "only",
        value_enum,
        value_delimiter = ',',
        value_name = "CATEGORY"
    )]
    pub only: Vec<Category>,
    /// Not these rule categories.
    #[arg(
        long = "skip",
        value_enum,
        value_delimiter = ',',
        value_name = "CATEGORY"
    )]
    pub skip: Vec<Category>,
    /// Not these rules (repeatable or comma-separated).
    #[arg(long = "disable", value_delimiter = ',', value_name = "RULE")]
    pub disable: Vec<String>,
    /// Kinds kforge has no type for (custom resources) are accepted unchecked.
    #[arg(long = "allow-unknown-kinds")]
    pub allow_unknown_kinds: bool,
    /// CustomResourceDefinitions (a file or a folder; repeatable) to validate custom resources
    /// against, besides those in the linted set.
    #[arg(long = "crd", value_name = "PATH")]
    pub crd: Vec<std::path::PathBuf>,
    /// Warnings fail the run too (exit 1).
    #[arg(long = "strict")]
    pub strict: bool,
    /// List every rule: id, category, default severity, summary.
    #[arg(long = "list-rules", exclusive = true)]
    pub list_rules: bool,
    /// Explain one rule: what it checks, the fix, equivalent checks in other linters.
    #[arg(long = "explain", value_name = "RULE", exclusive = true)]
    pub explain: Option<String>,
    /// Values layers (for the project's environments).
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge repo`.
#[derive(Debug, Args)]
pub struct RepoArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: RepoAction,
}

/// `kforge repo index`.
#[derive(Debug, Subcommand)]
pub enum RepoAction {
    /// Write DIR/index.yaml for the chart archives in DIR (and one level below), like `helm
    /// repo index`: existing entries keep their `created`, only new archives are hashed, a
    /// version already indexed with other content is refused, and the write is atomic and
    /// locked against concurrent writers.
    #[command(
        after_help = "EXAMPLES:\n  kforge repo index dist/prod\n  kforge repo index charts/ --url https://charts.example.com\n  kforge repo index charts/ --merge published/index.yaml"
    )]
    Index(RepoIndexArgs),
}

/// `kforge repo index` arguments.
#[derive(Debug, Args)]
pub struct RepoIndexArgs {
    /// The repository folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Base URL of the repository, put before each archive's path in `urls`.
    #[arg(long = "url", value_name = "URL")]
    pub url: Option<String>,
    /// Keep the entries of this index too (e.g. the published one); its versions stay
    /// immutable.
    #[arg(long = "merge", value_name = "FILE")]
    pub merge: Option<PathBuf>,
    /// Hash every indexed archive and check it against its entry's digest (by default only
    /// archives changed since they were last hashed are).
    #[arg(long = "verify")]
    pub verify: bool,
}

/// `kforge push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The chart archive.
    #[arg(value_name = "CHART.tgz")]
    pub chart: PathBuf,
    /// oci://HOST[:PORT]/PATH; the chart is stored as PATH/<name>:<version> (`+` becomes `_`).
    #[arg(value_name = "oci://HOST/PATH")]
    pub destination: String,
    /// Use plain HTTP instead of HTTPS (only for a trusted registry on a private network).
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Registry user (the password comes from --password-stdin).
    #[arg(long = "username", value_name = "U", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the password or token from stdin.
    #[arg(long = "password-stdin", requires = "username")]
    pub password_stdin: bool,
    /// Give up on the whole push after this many seconds.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// `kforge values`.
#[derive(Debug, Args)]
pub struct ValuesCmdArgs {
    /// Environment.
    #[arg(short = 'e', long = "env", value_name = "ENV", env = "KFORGE_ENV")]
    pub env: String,
    /// Print each leaf with the file:line (or --set argument) that set it.
    #[arg(long = "show-origin")]
    pub show_origin: bool,
    /// Show one component's values: the shared values with `components.<NAME>` merged over
    /// them, as its templates see them.
    #[arg(long = "component", value_name = "NAME")]
    pub component: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Format,
    /// Values layers.
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kforge schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema for editing a values file (base, an environment, a -f file): no required
    /// keys, `null` allowed; unknown keys and wrong types are still flagged.
    #[arg(long = "editor")]
    pub editor: bool,
}

/// `kforge golden`.
#[derive(Debug, Args)]
pub struct GoldenArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: GoldenAction,
}

/// `kforge golden check|update`.
#[derive(Clone, Copy, Debug, Subcommand)]
pub enum GoldenAction {
    /// Exit 1, with a unified diff, if any environment's output differs from golden/<env>/.
    Check,
    /// Rewrite golden/<env>/ from the current output.
    Update,
}

impl Cli {
    /// Parses the process arguments (exits on `--help` or a usage error, with code 2).
    pub fn parse_args() -> Self {
        let matches = Self::command().get_matches();
        let mut cli = match Self::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        };
        let leaf = leaf_matches(&matches);
        let values = match &mut cli.command {
            Command::Render(a) => Some(&mut a.values),
            Command::Values(a) => Some(&mut a.values),
            Command::Package(a) => Some(&mut a.values),
            Command::Build(a) => Some(&mut a.values),
            Command::Lint(a) => Some(&mut a.values),
            Command::Check(a) => Some(&mut a.values),
            Command::Diff(a) => Some(&mut a.values),
            Command::Golden(_)
            | Command::Repo(_)
            | Command::Push(_)
            | Command::Init(_)
            | Command::Import(_)
            | Command::Schema(_)
            | Command::Completions(_)
            | Command::Man => None,
        };
        if let Some(values) = values {
            values.ordered = ordered_sets(leaf);
        }
        cli
    }
}

fn leaf_matches(m: &ArgMatches) -> &ArgMatches {
    match m.subcommand() {
        Some((_, sub)) => leaf_matches(sub),
        None => m,
    }
}

/// Interleaves --set and --set-string by their position on the command line.
fn ordered_sets(m: &ArgMatches) -> Vec<SetArg> {
    let mut all: Vec<(usize, SetArg)> = Vec::new();
    for (id, as_string) in [("set", false), ("set_string", true)] {
        if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
            for (i, v) in idx.zip(vals) {
                all.push((
                    i,
                    SetArg {
                        as_string,
                        arg: v.clone(),
                    },
                ));
            }
        }
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, s)| s).collect()
}

/// A folder kforge may create (`--output-dir`, `-d`, `init DIR`, `import -o`): refused with `..` after a
/// folder name (`a/../b`), which would create `a` and write into `b` (docs/limits.md).
fn folder_to_create(arg: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(arg);
    if crate::fs::has_parent_after_name(&path) {
        return Err(format!(
            "`..` after a folder name: kforge would create the folders before it and write elsewhere; write the folder you mean without `..` ({})",
            crate::project::escaped(arg)
        ));
    }
    Ok(path)
}
