//! slack bridge against a fake Slack Web API over real HTTP: what each tool sends
//! (method, path, bearer token, JSON body, checked against Slack's official OpenAPI
//! description), how Slack's answers are mapped, name resolution and its cache, argument
//! limits, rate limits, both doors, and bridge-kit's conformance suite.

mod doors;
mod errors;
mod fake;
mod limits;
mod resolve;
mod spec;
mod tools;
