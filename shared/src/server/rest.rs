//! The plain HTTP tool endpoint: `POST /tools/{tool}` and `GET /tools`.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalog;
use crate::error::{ErrorCode, ToolError};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::dispatch::dispatch;
use crate::server::request_id::RequestId;

/// The REST error response: the error's status and `{"error": {...}}`.
pub fn error_response(error: &ToolError, request_id: Option<&RequestId>) -> Response {
    let body = json!({ "error": error.to_json(request_id.map(RequestId::as_str)) });
    let mut response = (error.code().status(), Json(body)).into_response();
    if let Some(ms) = error.retry_after_ms() {
        // Whole seconds, rounded up, as Retry-After requires.
        let seconds = ms.div_ceil(1000).max(1);
        if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

pub(crate) async fn list_tools(State(state): State<Arc<AppState>>) -> Response {
    Json(catalog::entries(
        &state.bridge,
        &catalog::EndpointTemplate::default(),
    ))
    .into_response()
}

pub(crate) async fn call_tool(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    let caller = request
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or(Caller::Anonymous);
    let result = async {
        let bridge = &state.bridge;
        let tool = bridge
            .tool(&name)
            .ok_or_else(|| unknown_tool(bridge, &name))?;
        let (parts, body) = request.into_parts();
        let arguments = read_json_body(&parts.headers, body, state.max_body_bytes).await?;
        let arguments = unwrap_envelope(arguments);
        dispatch(bridge, tool, &caller, arguments, request_id.as_str()).await
    }
    .await;
    match result {
        Ok(output) => (StatusCode::OK, Json(output)).into_response(),
        Err(error) => error_response(&error, Some(&request_id)),
    }
}

/// 404 naming the tools this bridge has.
pub(crate) fn unknown_tool(bridge: &crate::bridge::Bridge, name: &str) -> ToolError {
    let tools = bridge.tool_names();
    ToolError::not_found(format!(
        "unknown tool {name:?}; {} has: {}",
        bridge.name,
        if tools.is_empty() {
            "no tools yet".to_owned()
        } else {
            tools.join(", ")
        }
    ))
    .with_details(json!({ "tools": tools }))
}

/// Reads a JSON body: 415 unless `application/json`, 413 over the limit, 400 unless JSON.
pub(crate) async fn read_json_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Value, ToolError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(ToolError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "content type must be application/json, got {:?}",
                if content_type.is_empty() {
                    "nothing"
                } else {
                    content_type
                }
            ),
        ));
    }
    let too_large = || {
        ToolError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the {limit}-byte limit"),
        )
        .with_details(json!({ "limit_bytes": limit }))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|error| {
        if is_length_limit(&error) {
            too_large()
        } else {
            ToolError::new(
                ErrorCode::InvalidJson,
                format!("could not read the request body: {error}"),
            )
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|error| {
        ToolError::new(
            ErrorCode::InvalidJson,
            format!("request body is not valid JSON: {error}"),
        )
    })
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// Accepts the seed's envelope `{"params": {"arguments": {...}}}` as well as bare
/// arguments. Only an object whose sole key is `params` holding `arguments` is unwrapped,
/// so a tool with its own `params` argument is unaffected.
pub(crate) fn unwrap_envelope(body: Value) -> Value {
    match body {
        Value::Object(mut outer) if outer.len() == 1 && outer.contains_key("params") => {
            match outer.remove("params") {
                Some(Value::Object(mut params)) if params.contains_key("arguments") => {
                    params.remove("arguments").unwrap_or(Value::Null)
                }
                Some(other) => {
                    outer.insert("params".into(), other);
                    Value::Object(outer)
                }
                None => Value::Object(outer),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_unwrapped_and_bare_arguments_pass_through() {
        let wrapped = json!({"params": {"arguments": {"date": "2026-04-08"}}});
        assert_eq!(unwrap_envelope(wrapped), json!({"date": "2026-04-08"}));
        let bare = json!({"date": "2026-04-08"});
        assert_eq!(unwrap_envelope(bare.clone()), bare);
        let own_params = json!({"params": {"x": 1}});
        assert_eq!(unwrap_envelope(own_params.clone()), own_params);
    }
}
