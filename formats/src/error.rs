//! The error every reader returns: the file, the line when there is one, what
//! is wrong, and a hint, so that every front end says it the same way.

use std::fmt;

/// A problem in an input: where it is, what is wrong, how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The input's name as the user gave it (a path, or a label for text).
    pub file: String,
    /// 1-based line of the problem, when it has one.
    pub line: Option<u64>,
    /// What is wrong, with the value and what was expected.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl FormatError {
    /// A problem at a line of `file`.
    pub fn at(file: &str, line: u64, message: impl Into<String>) -> Self {
        FormatError {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
            hint: None,
        }
    }

    /// A problem with `file` as a whole.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        FormatError {
            file: file.to_string(),
            line: None,
            message: message.into(),
            hint: None,
        }
    }

    /// The same problem with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FormatError {}
