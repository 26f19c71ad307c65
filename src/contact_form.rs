//! The contact request form as a resident typed it, and what is wrong with it field by
//! field: plain data that `ops::consultation` checks (`ContactForm::check`) and
//! `views::resident` shows. A leaf below both. Pure.

/// The contact request form as typed (fields not yet checked).
#[derive(Debug, Clone, Default)]
pub struct ContactForm {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub good_times: String,
    pub message: String,
    /// The resident ticked 「上の説明を読み、連絡を希望します」.
    pub consent: bool,
}

/// What is wrong with a contact request form, field by field, in the resident's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormProblems {
    /// (field name, message) in the order of the form.
    pub fields: Vec<(&'static str, String)>,
}

impl FormProblems {
    /// The message for one field, if it has one.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}
