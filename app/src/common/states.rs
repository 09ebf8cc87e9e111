//! Domain states (statuses, kinds, roles, intervals) as enums that travel as their snake_case
//! names: the same text in JSON (the API's strings) and in the database's TEXT columns (whose CHECK
//! constraints list the same names). A typo is then a compile error and a `match` is exhaustive.
//! Each domain declares its own with [`text_enum!`] in its `model.rs`.

/// An unknown name for a state: what [`std::str::FromStr`] of a [`text_enum!`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownState {
    pub of: &'static str,
    pub text: String,
}

impl std::fmt::Display for UnknownState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.of, self.text)
    }
}

impl std::error::Error for UnknownState {}

/// What every [`text_enum!`] is, for code that takes any of them (a filter's choices).
pub trait TextEnum: Copy + 'static {
    /// The state's name, as the API and the database write it.
    fn name(self) -> &'static str;

    /// The name for people: `past_due` reads "past due".
    fn label(self) -> String {
        self.name().replace('_', " ")
    }
}

/// Declares an enum whose variants travel as the given names:
///
/// ```ignore
/// text_enum! {
///     /// What a subscription is doing.
///     pub enum SubscriptionStatus { Active = "active", Canceled = "canceled" }
/// }
/// ```
///
/// It derives `Copy`, `Eq`, `Hash`, serde under those names, `Display` and `FromStr`, and with
/// `ssr` it binds and decodes as text in SQL (`sqlx::Any`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every state, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The state's name, as the API and the database write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The name for people: `past_due` reads "past due".
            pub fn label(self) -> String {
                $crate::common::states::TextEnum::label(self)
            }
        }

        impl $crate::common::states::TextEnum for $name {
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::common::states::UnknownState;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::common::states::UnknownState {
                        of: stringify!($name),
                        text: text.to_string(),
                    }),
                }
            }
        }

        $crate::common::states::sql_text!($name);
        $crate::common::states::schema_text!($name, [$($text),+]);
    };
}

/// The SQL side of a [`text_enum!`]: bound and read as text.
#[cfg(feature = "ssr")]
macro_rules! sql_text {
    ($name:ident) => {
        impl ::sqlx::Type<::sqlx::Any> for $name {
            fn type_info() -> ::sqlx::any::AnyTypeInfo {
                <&str as ::sqlx::Type<::sqlx::Any>>::type_info()
            }

            fn compatible(ty: &::sqlx::any::AnyTypeInfo) -> bool {
                <&str as ::sqlx::Type<::sqlx::Any>>::compatible(ty)
            }
        }

        impl<'q> ::sqlx::Encode<'q, ::sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <::sqlx::Any as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&str as ::sqlx::Encode<'q, ::sqlx::Any>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> ::sqlx::Decode<'r, ::sqlx::Any> for $name {
            fn decode(
                value: <::sqlx::Any as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let text = <&str as ::sqlx::Decode<'r, ::sqlx::Any>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

#[cfg(not(feature = "ssr"))]
macro_rules! sql_text {
    ($name:ident) => {};
}

pub(crate) use sql_text;

/// The OpenAPI side of a [`text_enum!`] (server build only): a string of one of its names, under
/// the enum's name in the document's schemas (`server/src/rest/openapi.rs`).
#[cfg(feature = "ssr")]
macro_rules! schema_text {
    ($name:ident, [$($text:literal),+]) => {
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl ::utoipa::ToSchema for $name {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

#[cfg(not(feature = "ssr"))]
macro_rules! schema_text {
    ($name:ident, [$($text:literal),+]) => {};
}

pub(crate) use schema_text;
pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// A state for the tests.
        pub enum Light { Red = "red", AmberBlinking = "amber_blinking" }
    }

    #[test]
    fn states_travel_as_their_names() {
        assert_eq!(Light::AmberBlinking.as_str(), "amber_blinking");
        assert_eq!(Light::AmberBlinking.to_string(), "amber_blinking");
        assert_eq!(Light::AmberBlinking.label(), "amber blinking");
        assert_eq!("red".parse::<Light>(), Ok(Light::Red));
        let unknown = "green".parse::<Light>().unwrap_err();
        assert_eq!(unknown.to_string(), "unknown Light \"green\"");
        assert_eq!(
            serde_json::to_string(&Light::AmberBlinking).unwrap(),
            "\"amber_blinking\""
        );
        assert_eq!(
            serde_json::from_str::<Light>("\"red\"").unwrap(),
            Light::Red
        );
        assert!(serde_json::from_str::<Light>("\"Red\"").is_err());
        assert_eq!(Light::ALL, &[Light::Red, Light::AmberBlinking]);
    }
}
