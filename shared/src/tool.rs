//! What a tool is: typed arguments and output, static metadata, and one `call`.
//!
//! A bridge author writes a type implementing [`Tool`]; [`RegisteredTool`] erases the
//! types once, at start-up, into what the servers need: JSON schemas, a validator built
//! once, and a call that takes and returns JSON.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ToolError, Violation};

/// The catalog's cost tier: how expensive one call is for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostTier {
    Low,
    Medium,
    High,
}

/// MCP tool annotations; hints for clients, not guarantees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Does not change anything at the vendor.
    pub read_only: bool,
    /// May delete or overwrite something at the vendor.
    pub destructive: bool,
    /// Calling twice with the same arguments has the same effect as once.
    pub idempotent: bool,
    /// Talks to a system outside the bridge (every vendor call does).
    pub open_world: bool,
}

impl Hints {
    /// A read: no side effects, safe to repeat.
    pub const READ: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    };
    /// A write that creates something new each time (never retried without a key).
    pub const CREATE: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: true,
    };
    /// A write that sets state: repeating it changes nothing more.
    pub const UPDATE: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: true,
        open_world: true,
    };
    /// A write that removes or overwrites something.
    pub const DESTRUCTIVE: Hints = Hints {
        read_only: false,
        destructive: true,
        idempotent: false,
        open_world: true,
    };
}

/// A tool's static metadata: the single source of its catalog entry and MCP listing.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// The part of the address after the bridge prefix: `post_message` in
    /// `slack.post_message`, and the REST path `/tools/post_message`.
    pub name: &'static str,
    /// A short human title (MCP `title`).
    pub title: &'static str,
    pub description: &'static str,
    /// Scopes a JWT caller must hold (catalog `scopes`).
    pub scopes: &'static [&'static str],
    pub cost_tier: CostTier,
    /// Deadline for one call, retries included (catalog `timeout_seconds`).
    pub timeout: Duration,
    pub hints: Hints,
    /// Whether the tool needs the bridge's vendor credentials. Tools reading public
    /// data (official exchange rates) do not, and work on an unconfigured bridge.
    pub needs_credentials: bool,
}

/// What a call knows about its circumstances.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// Forwarded upstream as `x-request-id` and present in every log line.
    pub request_id: String,
    /// When the tool's deadline expires; upstream calls and retries stop by then.
    pub deadline: Instant,
}

impl ToolContext {
    pub fn new(request_id: impl Into<String>, timeout: Duration) -> Self {
        Self {
            request_id: request_id.into(),
            deadline: Instant::now() + timeout,
        }
    }

    /// Time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// One operation of a vendor, exposed as a tool. One type per file.
pub trait Tool: Send + Sync + 'static {
    /// Arguments; `#[serde(deny_unknown_fields)]` and doc comments on every field.
    type Args: DeserializeOwned + JsonSchema + Send + 'static;
    /// Result; money as decimal strings, never floats.
    type Output: Serialize + JsonSchema + Send + 'static;

    const SPEC: ToolSpec;

    fn call(
        &self,
        ctx: &ToolContext,
        args: Self::Args,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;
}

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub(crate) type Invoke =
    dyn Fn(ToolContext, Value) -> BoxFuture<Result<Value, ToolError>> + Send + Sync;

/// A tool with its types erased, its schemas generated and its validator built.
pub struct RegisteredTool {
    pub spec: ToolSpec,
    pub input_schema: Arc<Map<String, Value>>,
    pub output_schema: Arc<Map<String, Value>>,
    validator: jsonschema::Validator,
    invoke: Box<Invoke>,
}

impl std::fmt::Debug for RegisteredTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredTool")
            .field("name", &self.spec.name)
            .finish_non_exhaustive()
    }
}

impl RegisteredTool {
    /// Erases `tool`. Panics only on a programming error in the tool's own types (a
    /// schema that is not an object or does not compile), which the catalog test catches.
    pub fn new<T: Tool>(tool: T) -> Self {
        let input_schema = schema_object::<T::Args>(false);
        let output_schema = schema_object::<T::Output>(true);
        #[allow(clippy::expect_used)] // the tool's own types, not input: a build-time bug
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(input_schema.clone()))
            .expect("a tool's generated input schema compiles");
        let tool = Arc::new(tool);
        let invoke: Box<Invoke> = Box::new(move |ctx, value| {
            let tool = Arc::clone(&tool);
            Box::pin(async move {
                let args: T::Args = serde_json::from_value(value)
                    .map_err(|error| ToolError::invalid_argument("", error.to_string()))?;
                let output = tool.call(&ctx, args).await?;
                serde_json::to_value(output).map_err(ToolError::internal)
            })
        });
        Self {
            spec: T::SPEC,
            input_schema: Arc::new(input_schema),
            output_schema: Arc::new(output_schema),
            validator,
            invoke,
        }
    }

    /// A tool from generated parts (the `*.enterprise` multiplexers).
    pub(crate) fn from_parts(
        spec: ToolSpec,
        input_schema: Map<String, Value>,
        output_schema: Map<String, Value>,
        invoke: Box<Invoke>,
    ) -> Self {
        #[allow(clippy::expect_used)] // generated from compiled schemas: a build-time bug
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(input_schema.clone()))
            .expect("a generated input schema compiles");
        Self {
            spec,
            input_schema: Arc::new(input_schema),
            output_schema: Arc::new(output_schema),
            validator,
            invoke,
        }
    }

    /// Every way `arguments` break the input schema, each with its JSON path.
    pub fn violations(&self, arguments: &Value) -> Vec<Violation> {
        let mut violations = Vec::new();
        for error in self.validator.iter_errors(arguments) {
            let path = error.instance_path().to_string();
            match error.kind() {
                // One violation per unknown field, at the field's own path, with what is
                // allowed where we can say it.
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let allowed = if path.is_empty() {
                        self.argument_names()
                    } else {
                        Vec::new()
                    };
                    for name in unexpected {
                        let message = if allowed.is_empty() {
                            format!("unknown field {name:?}")
                        } else {
                            format!("unknown field {name:?}; allowed: {}", allowed.join(", "))
                        };
                        violations.push(Violation::new(format!("{path}/{name}"), message));
                    }
                }
                // `additionalProperties: false` without `properties` (a tool without
                // arguments) is reported as a false schema on the object itself.
                jsonschema::error::ValidationErrorKind::FalseSchema
                    if error
                        .schema_path()
                        .to_string()
                        .ends_with("/additionalProperties") =>
                {
                    let names = arguments
                        .pointer(&path)
                        .and_then(Value::as_object)
                        .map(|object| object.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default();
                    for name in names {
                        violations.push(Violation::new(
                            format!("{path}/{name}"),
                            format!("unknown field {name:?}; no fields are allowed here"),
                        ));
                    }
                }
                _ => violations.push(Violation::new(path, error.to_string())),
            }
        }
        violations
    }

    /// The top-level argument names the tool accepts.
    pub fn argument_names(&self) -> Vec<String> {
        self.input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Runs the tool on already-validated arguments.
    pub(crate) fn invoke(
        &self,
        ctx: ToolContext,
        arguments: Value,
    ) -> BoxFuture<Result<Value, ToolError>> {
        (self.invoke)(ctx, arguments)
    }
}

/// The JSON Schema (draft 2020-12) of `T`, as an object: of what we accept
/// (deserialize) for arguments, of what we produce (serialize) for output.
fn schema_object<T: JsonSchema>(output: bool) -> Map<String, Value> {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
    let settings = if output {
        settings.for_serialize()
    } else {
        settings.for_deserialize()
    };
    let settings = settings.with_transform(strip_numeric_formats);
    let generator = settings.into_generator();
    match generator.into_root_schema_for::<T>().to_value() {
        Value::Object(map) => map,
        // `true` / `false` schemas: represent as the equivalent object forms.
        Value::Bool(true) => Map::new(),
        _ => {
            let mut map = Map::new();
            map.insert("not".into(), Value::Object(Map::new()));
            map
        }
    }
}

/// Drops schemars' Rust-width formats (`uint32`, `int64`, `double`, ...): they are not
/// JSON Schema formats, and strict clients (ajv in the MCP Inspector) warn on each.
/// The numeric ranges they imply stay as `minimum`/`maximum` where schemars emits them.
fn strip_numeric_formats(schema: &mut schemars::Schema) {
    const RUST_FORMATS: &[&str] = &[
        "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "int",
        "float", "double",
    ];
    if let Some(object) = schema.as_object_mut() {
        let drop = object
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|format| RUST_FORMATS.contains(&format));
        if drop {
            object.remove("format");
        }
    }
    schemars::transform::transform_subschemas(&mut strip_numeric_formats, schema);
}
