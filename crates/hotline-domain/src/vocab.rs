//! Closed vocabularies: enums whose values travel as stable codes (in JSON, the database, URLs) and
//! show as labels in Chinese and English. One macro writes the code, label and parse functions of
//! every such enum, so a new value is one line and its code cannot drift from its label.

/// A closed list of codes with labels (nature, urgency, state, action…), so pages and exports can
/// list and label any of them the same way.
pub trait Vocabulary: Copy + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label(self, zh: bool) -> &'static str;

    /// The label of a code, or the code itself when it is not in the list.
    fn label_of(code: &str, zh: bool) -> String {
        Self::all().iter().find(|v| v.code() == code).map_or_else(|| code.to_owned(), |v| v.label(zh).to_owned())
    }
}

/// Declares a closed vocabulary: a `Copy` enum with its stable code, parse and labels. The enum
/// (de)serialises as its code; `$field` names the input field in the error of a bad code.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $field:literal {
        $($(#[$vm:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self, zh: bool) -> &'static str {
                match self { $($name::$variant => if zh { $zh } else { $en }),+ }
            }

            /// The value of a code. An empty one asks for a choice; an unknown one names the valid
            /// codes in English only (people choose from lists; programs read the codes).
            pub fn parse(s: &str) -> Result<Self, $crate::error::ValidationError> {
                let (zh, en) = $crate::fields::label($field);
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    "" => Err($crate::error::ValidationError::new($field, "required", format!("请选择「{zh}」"), format!("Choose the {en}"))),
                    other => Err($crate::error::ValidationError::new(
                        $field,
                        "unknown_code",
                        format!("「{zh}」的取值无效"),
                        format!("{:?} is not a valid {en} (one of: {})", other, [$($code),+].join(", ")),
                    )),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::error::ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> { Self::parse(&s) }
        }

        impl $crate::vocab::Vocabulary for $name {
            fn all() -> &'static [Self] { Self::ALL }
            fn code(self) -> &'static str { $name::code(self) }
            fn label(self, zh: bool) -> &'static str { $name::label(self, zh) }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> Self { v.code() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}

pub(crate) use vocabulary;
