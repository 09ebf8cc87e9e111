//! The OpenAPI schemas of the API's Rust types, for the document (`openapi.rs`). The types derive
//! utoipa's `ToSchema` in the server build only (`cfg_attr(feature = "ssr", …)` in `app`, and the
//! `text_enum!` states in app/src/common/states.rs), so the browser bundle carries none of it.
//!
//! Also the few answers whose shape is this crate's own rather than a type of `app`.

use app::auth::model::{AccountView, Tokens, UserView};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The document's `components.schemas`, by name.
pub type Schemas = BTreeMap<String, Value>;

/// A type's schema for an operation: [`of`] for one type.
pub type SchemaOf = fn(&mut Schemas) -> Value;

/// Registers `T` and every type it refers to under their names, and answers a reference to `T`.
/// A generic type (`Page<T>`, `Items<T>`) is answered inline: its name alone would not say of what.
pub fn of<T: ToSchema>(schemas: &mut Schemas) -> Value {
    let mut referred = Vec::new();
    T::schemas(&mut referred);
    for (name, schema) in referred {
        schemas.entry(name).or_insert_with(|| to_json(schema));
    }
    let schema = to_json(T::schema());
    let name = T::name();
    if name.is_empty() || std::any::type_name::<T>().contains('<') {
        return schema;
    }
    schemas.insert(name.to_string(), schema);
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// [`of`] `T` after registering `V`: a generic list `T` of `V` refers to `V` by name without
/// bringing its schema along.
pub fn list_of<T: ToSchema, V: ToSchema>(schemas: &mut Schemas) -> Value {
    of::<V>(schemas);
    of::<T>(schemas)
}

fn to_json(schema: impl Serialize) -> Value {
    serde_json::to_value(schema).unwrap_or_default()
}

/// `{"tokens": …}`: a refresh's answer.
#[derive(Serialize, ToSchema)]
pub struct TokensAnswer {
    pub tokens: Tokens,
}

/// `{"user": …, "account": …}`: who is signed in.
#[derive(Serialize, ToSchema)]
pub struct MeAnswer {
    pub user: UserView,
    pub account: AccountView,
}

/// `{"status": …}`: what an action did, as a word (`verified`, `password_changed`, …).
#[derive(Serialize, ToSchema)]
pub struct StatusAnswer {
    pub status: String,
}

impl StatusAnswer {
    pub fn new(status: &str) -> StatusAnswer {
        StatusAnswer {
            status: status.to_string(),
        }
    }
}
