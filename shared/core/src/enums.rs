//! Closed sets of values (roles, statuses, kinds) whose wire and storage form is a snake_case
//! string. [`string_enum!`] declares the enum once; its strings (through `strum`), its list of
//! values, its serde form and its parser all come from that one declaration.

/// An enum declared with [`string_enum!`].
pub trait StringEnum: Copy + Eq + std::fmt::Debug + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The wire form, e.g. `center_staff`.
    fn as_str(self) -> &'static str;
    /// The value whose wire form is `s`.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// Declares a string enum: `string_enum! { /// doc \n pub enum Role { Citizen, Employer } }`.
/// Variants are written in CamelCase and travel as snake_case (`CenterStaff` ↔ `center_staff`).
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, $crate::strum::IntoStaticStr, $crate::strum::VariantArray)]
        #[strum(serialize_all = "snake_case")]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::enums::StringEnum for $name {
            const ALL: &'static [Self] = <Self as $crate::strum::VariantArray>::VARIANTS;
            fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = <Self as $crate::strum::VariantArray>::VARIANTS;

            /// The wire form (snake_case).
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The value whose wire form is `s`.
            pub fn parse(s: &str) -> Option<Self> {
                <Self as $crate::enums::StringEnum>::parse(s)
            }
        }

        $crate::__string_enum_schema!($name);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!("unknown {} {text:?}, expected one of {}", stringify!($name), names.join(", ")))
                })
            }
        }
    };
}

/// With the `openapi` feature: the enum's OpenAPI schema, a string with its values, from the
/// same declaration.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum_schema {
    ($name:ident) => {
        impl $crate::utoipa::PartialSchema for $name {
            fn schema() -> $crate::utoipa::openapi::RefOr<$crate::utoipa::openapi::schema::Schema> {
                $crate::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type($crate::utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl $crate::utoipa::ToSchema for $name {}
    };
}

#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum_schema {
    ($name:ident) => {};
}

#[cfg(test)]
mod tests {
    use super::StringEnum;

    crate::string_enum! {
        /// A test enum.
        pub enum Colour { Red, DarkBlue }
    }

    #[test]
    fn one_declaration_gives_strings_list_serde_and_parser() {
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(<Colour as StringEnum>::ALL, &[Colour::Red, Colour::DarkBlue]);
        assert_eq!(Colour::parse("red"), Some(Colour::Red));
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(serde_json::to_string(&Colour::DarkBlue).unwrap(), "\"dark_blue\"");
        assert_eq!(serde_json::from_str::<Colour>("\"dark_blue\"").unwrap(), Colour::DarkBlue);
        let err = serde_json::from_str::<Colour>("\"green\"").unwrap_err().to_string();
        assert!(err.contains("red, dark_blue"), "{err}");
        assert_eq!(Colour::Red.to_string(), "red");
    }
}
