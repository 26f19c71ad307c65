//! What a message says, as data: the plain-text part is made here, the HTML part in
//! `views::mail`. A leaf below both `mail::messages` and the views.

/// What a message says, in order: the greeting, paragraphs, a button-like link, facts as
/// label–value pairs, sections (one per survey in a digest), and closing paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailBody {
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The action the message is for: (label, URL).
    pub link: Option<(String, String)>,
    pub facts: Vec<(String, String)>,
    pub sections: Vec<MailSection>,
    pub closing: Vec<String>,
}

/// A headed group of facts with a link to read more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSection {
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub link: (String, String),
}

impl MailBody {
    /// The plain-text part: the link on a line of its own so that every mail program makes it
    /// clickable, facts as 「label: value」 lines.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        if let Some((label, url)) = &self.link {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        for (label, value) in &self.facts {
            out.push_str(&format!("{label}: {value}\n"));
        }
        if !self.facts.is_empty() {
            out.push('\n');
        }
        for section in &self.sections {
            out.push_str(&format!("■ {}\n", section.heading));
            for (label, value) in &section.facts {
                out.push_str(&format!("  {label}: {value}\n"));
            }
            out.push_str(&format!("  {}: {}\n\n", section.link.0, section.link.1));
        }
        for p in &self.closing {
            out.push_str(p);
            out.push_str("\n\n");
        }
        out.push_str(
            "-- \nつながり（孤独・孤立に関する調査の管理システム）\nこのメールは送信専用です。\n",
        );
        out
    }
}
