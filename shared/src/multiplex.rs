//! The `*.enterprise` doors: one tool that multiplexes a bridge's direct tools through an
//! `action` field, exactly as the seed's schemas and pipelines use it.
//!
//! The door is generated from the direct tools, so both doors run the same code: its input
//! schema is `action` (an enum of the tool names) plus the union of the tools' arguments;
//! a call is validated against the chosen tool's own schema (so violations carry the same
//! paths as on the direct door) and then invokes that tool.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::error::ToolError;
use crate::tool::{CostTier, Hints, RegisteredTool, ToolContext, ToolSpec};

/// Builds the door. Panics on a programming error in the bridge's declarations (an
/// unknown action, clashing `$defs`), which the bridge's conformance test catches.
pub(crate) fn multiplexer(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    actions: Vec<Arc<RegisteredTool>>,
) -> RegisteredTool {
    assert!(!actions.is_empty(), "{name}: a multiplexer needs actions");
    let names: Vec<&'static str> = actions.iter().map(|a| a.spec.name).collect();
    let mut properties = Map::new();
    properties.insert(
        "action".into(),
        json!({
            "type": "string",
            "enum": names,
            "description": "The operation to run; each is also its own tool with the same arguments.",
        }),
    );
    let mut defs = Map::new();
    for action in &actions {
        if let Some(Value::Object(own)) = action.input_schema.get("properties") {
            for (field, schema) in own {
                match properties.get(field) {
                    None => {
                        properties.insert(field.clone(), schema.clone());
                    }
                    // Actions disagree on this field: the chosen action's own schema
                    // decides, so the door accepts any value here.
                    Some(existing) if existing != schema => {
                        properties.insert(
                            field.clone(),
                            json!({"description": format!("Depends on the action; see its tool's `{field}`.")}),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        if let Some(Value::Object(own)) = action.input_schema.get("$defs") {
            for (def, schema) in own {
                if let Some(existing) = defs.get(def) {
                    assert_eq!(
                        existing, schema,
                        "{name}: actions define different `$defs/{def}`"
                    );
                }
                defs.insert(def.clone(), schema.clone());
            }
        }
    }
    let mut input = Map::new();
    input.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    input.insert("title".into(), json!(title));
    input.insert("type".into(), json!("object"));
    input.insert("required".into(), json!(["action"]));
    input.insert("properties".into(), Value::Object(properties));
    input.insert("additionalProperties".into(), json!(false));
    if !defs.is_empty() {
        input.insert("$defs".into(), Value::Object(defs));
    }
    let mut output = Map::new();
    output.insert("type".into(), json!("object"));
    output.insert(
        "description".into(),
        json!("The result of the chosen action: see that action's own tool for its schema."),
    );
    let mut scopes: Vec<&'static str> = actions
        .iter()
        .flat_map(|a| a.spec.scopes.iter().copied())
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    let spec = ToolSpec {
        name,
        title,
        description,
        // Leaked once at start-up: specs are `'static` like the tools' own.
        scopes: Box::leak(scopes.into_boxed_slice()),
        cost_tier: actions
            .iter()
            .map(|a| a.spec.cost_tier)
            .max_by_key(|tier| match tier {
                CostTier::Low => 0,
                CostTier::Medium => 1,
                CostTier::High => 2,
            })
            .unwrap_or(CostTier::Low),
        timeout: actions
            .iter()
            .map(|a| a.spec.timeout)
            .max()
            .unwrap_or(Duration::from_secs(30)),
        hints: Hints {
            read_only: actions.iter().all(|a| a.spec.hints.read_only),
            destructive: actions.iter().any(|a| a.spec.hints.destructive),
            idempotent: actions.iter().all(|a| a.spec.hints.idempotent),
            open_world: true,
        },
        needs_credentials: actions.iter().any(|a| a.spec.needs_credentials),
    };
    let invoke = move |ctx: ToolContext, arguments: Value| {
        let actions = actions.clone();
        Box::pin(async move {
            let mut arguments = match arguments {
                Value::Object(map) => map,
                _ => {
                    return Err(ToolError::invalid_argument(
                        "",
                        "arguments must be an object",
                    ));
                }
            };
            let chosen = arguments.remove("action");
            let chosen = chosen.as_ref().and_then(Value::as_str).unwrap_or_default();
            let Some(action) = actions.iter().find(|a| a.spec.name == chosen) else {
                return Err(ToolError::invalid_argument(
                    "/action",
                    format!("unknown action {chosen:?}"),
                ));
            };
            let arguments = Value::Object(arguments);
            let violations = action.violations(&arguments);
            if !violations.is_empty() {
                return Err(ToolError::invalid_arguments(violations));
            }
            let deadline = ctx
                .deadline
                .min(std::time::Instant::now() + action.spec.timeout);
            let ctx = ToolContext { deadline, ..ctx };
            action.invoke(ctx, arguments).await
        }) as crate::tool::BoxFuture<Result<Value, ToolError>>
    };
    RegisteredTool::from_parts(spec, input, output, Box::new(invoke))
}
