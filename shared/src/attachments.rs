//! File attachments (grant reports, support tickets, access-request basis documents): what may
//! be declared, where it goes, and the check that what was uploaded is what was declared.
//!
//! The client declares `{file_name, content_type, size_bytes}`, gets a presigned PUT bound to
//! that type and size for a key the server chose (never the user's file name), uploads, and
//! later cites the attachment ID. Before accepting a citation the service checks, in S3, that
//! the object exists with the declared size and type and that its first bytes are really a
//! PDF, JPEG or PNG.

use crate::codes::Code;
use crate::http::body::{parse, Fields};
use crate::ports::{FileStore, StoreError};

/// At most 10 MiB per file.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Presigned upload URLs live 15 minutes.
pub const UPLOAD_URL_SECS: u64 = 900;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub const ALLOWED: &'static [(&'static str, FileKind)] =
        &[("application/pdf", FileKind::Pdf), ("image/jpeg", FileKind::Jpeg), ("image/png", FileKind::Png)];

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// The signature every file of this kind starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            FileKind::Pdf => b"%PDF-",
            FileKind::Jpeg => &[0xFF, 0xD8, 0xFF],
            FileKind::Png => &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
        }
    }
}

/// A declared upload.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// The user's name for the file: kept as metadata only, never part of a key.
    pub file_name: String,
    pub kind: FileKind,
    pub size_bytes: u64,
}

impl Declared {
    /// Reads `{file_name, content_type, size_bytes}`, reporting every bad field.
    pub fn parse(f: &mut Fields) -> Option<Declared> {
        let file_name = f.required("file_name", parse::text(255));
        let kind = f.required("content_type", parse::one_of(FileKind::ALLOWED));
        let size = f.required("size_bytes", |v| {
            let n = v.as_u64().ok_or(Code::InvalidType)?;
            if n == 0 {
                Err(Code::InvalidValue)
            } else if n > MAX_BYTES {
                Err(Code::FileTooLarge)
            } else {
                Ok(n)
            }
        });
        if file_name.as_deref().is_some_and(|n| n.chars().any(char::is_control)) {
            f.error("file_name", Code::InvalidValue);
            return None;
        }
        Some(Declared { file_name: file_name?, kind: kind?, size_bytes: size? })
    }
}

/// The object key of an attachment: server-generated, grouped by what it belongs to.
pub fn object_key(scope: &str, attachment_id: &str) -> String {
    format!("attachments/{scope}/{attachment_id}")
}

/// Whether the object under `key` is what was declared: present, of the declared size and
/// type, and starting with the kind's signature. `Ok(false)` means `attachment_missing`.
pub async fn uploaded_as_declared(files: &dyn FileStore, key: &str, declared: &Declared) -> Result<bool, StoreError> {
    let Some(object) = files.head(key).await? else { return Ok(false) };
    if object.size_bytes != declared.size_bytes
        || object.content_type.as_deref().is_some_and(|ct| ct != declared.kind.content_type())
    {
        return Ok(false);
    }
    let magic = declared.kind.magic();
    Ok(files.first_bytes(key, magic.len() as u64).await? == magic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declare(v: serde_json::Value) -> Result<Declared, Vec<(String, Code)>> {
        let mut f = crate::http::JsonObject::from_bytes(v.to_string().as_bytes()).unwrap().fields();
        let d = Declared::parse(&mut f);
        match f.finish() {
            Ok(()) => Ok(d.unwrap()),
            Err(e) => Err(e.errors.into_iter().map(|e| (e.field, e.code)).collect()),
        }
    }

    #[test]
    fn declarations_accept_pdf_jpeg_png_up_to_10_mib() {
        let ok = declare(json!({"file_name": "приказ №12.pdf", "content_type": "application/pdf", "size_bytes": MAX_BYTES})).unwrap();
        assert_eq!(ok.kind, FileKind::Pdf);
        let errors = declare(json!({"file_name": "a.exe", "content_type": "application/x-msdownload", "size_bytes": MAX_BYTES + 1})).unwrap_err();
        assert_eq!(errors, vec![("content_type".into(), Code::InvalidValue), ("size_bytes".into(), Code::FileTooLarge)]);
        let errors = declare(json!({"file_name": "a\u{0}.png", "content_type": "image/png", "size_bytes": 0})).unwrap_err();
        assert_eq!(errors, vec![("size_bytes".into(), Code::InvalidValue), ("file_name".into(), Code::InvalidValue)]);
    }

    #[test]
    fn keys_never_contain_the_users_file_name() {
        assert_eq!(object_key("tickets", "0192abc"), "attachments/tickets/0192abc");
    }
}
