//! File attachments (grant reports, support tickets, access-request basis documents): what may
//! be declared, where it goes, and the check that what was uploaded is what was declared.
//!
//! The client declares `{file_name, content_type, size_bytes}`, gets a presigned PUT bound to
//! that type and size for a key the server chose (never the user's file name), uploads, and
//! later cites the attachment ID. Before accepting a citation the service checks, in S3, that
//! the object exists with the declared size and type and that its first bytes are really a
//! PDF, JPEG or PNG.

use crate::codes::Code;
use crate::input::{parse, Fields, Invalid};
use crate::ports::{AttachmentStore, FileStore, StoreError, StoredObject};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
    /// The content types accepted, and their kinds.
    pub const ALLOWED: &'static [(&'static str, FileKind)] =
        &[("application/pdf", FileKind::Pdf), ("image/jpeg", FileKind::Jpeg), ("image/png", FileKind::Png)];

    pub fn from_content_type(ct: &str) -> Option<FileKind> {
        Self::ALLOWED.iter().find(|(k, _)| *k == ct).map(|(_, kind)| *kind)
    }

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

/// What the bucket holds under an attachment's key, checked against its declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Upload {
    /// Nothing uploaded (`attachment_missing`).
    Missing,
    /// Something else than declared: another size or type, or not really a PDF/JPEG/PNG
    /// (`attachment_invalid`).
    Invalid,
    /// What was declared: its current version, which a citation pins.
    Valid(StoredObject),
}

impl Upload {
    /// The version a valid upload pins, if the bucket is versioned.
    pub fn pinned_version(&self) -> Option<&str> {
        match self {
            Upload::Valid(o) => o.version_id.as_deref(),
            _ => None,
        }
    }
}

/// Checks the object under `key` against its declaration: present, of the declared size and
/// type, and starting with the kind's signature (its first bytes are read from the version
/// found, so the check and the pin are of the same bytes).
pub async fn uploaded_as_declared(files: &dyn FileStore, key: &str, declared: &Declared) -> Result<Upload, StoreError> {
    let Some(object) = files.head(key).await? else { return Ok(Upload::Missing) };
    if object.size_bytes != declared.size_bytes || object.content_type.as_deref().is_some_and(|ct| ct != declared.kind.content_type()) {
        return Ok(Upload::Invalid);
    }
    let magic = declared.kind.magic();
    let first = files.first_bytes(key, object.version_id.as_deref(), magic.len() as u64).await?;
    Ok(if first == magic { Upload::Valid(object) } else { Upload::Invalid })
}

/// A declared upload as stored: what was promised, by whom, and what it became part of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub id: String,
    /// What the attachment may be cited by: `tickets`, `access-requests`, `grant-reports`.
    pub scope: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Account ID, or `anonymous`.
    pub declared_by: String,
    pub declared_at: Timestamp,
    /// The record that cited it (an attachment is cited once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by: Option<String>,
    /// The version checked and pinned at citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

impl AttachmentRecord {
    pub fn declared(&self) -> Option<Declared> {
        Some(Declared {
            file_name: self.file_name.clone(),
            kind: FileKind::from_content_type(&self.content_type)?,
            size_bytes: self.size_bytes,
        })
    }

    pub fn object_key(&self) -> String {
        object_key(&self.scope, &self.id)
    }

    /// How the attachment is shown in the record that cites it, pinned to the version that
    /// was checked.
    pub fn reference(&self, object: &StoredObject) -> AttachmentRef {
        AttachmentRef {
            attachment_id: self.id.clone(),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            version_id: object.version_id.clone(),
            etag: object.etag.clone(),
        }
    }
}

/// A cited attachment, as the citing record keeps and shows it. The bucket is versioned:
/// `version_id` and `etag` name the version that was checked at citation, and every later read
/// serves that version, whatever was uploaded under the key since.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub attachment_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// Presigned downloads live 5 minutes.
pub const DOWNLOAD_URL_SECS: u64 = 300;

/// A presigned GET of the cited version of an attachment of `scope`, as a download.
pub async fn download_url(files: &dyn FileStore, scope: &str, attachment: &AttachmentRef) -> Result<String, StoreError> {
    files
        .presign_get(
            &object_key(scope, &attachment.attachment_id),
            attachment.version_id.as_deref(),
            &attachment.file_name,
            DOWNLOAD_URL_SECS,
        )
        .await
}

/// Where to upload a declared attachment: a presigned PUT and the headers it was signed with.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadGrant {
    pub attachment_id: String,
    pub url: String,
    pub expires_in_secs: u64,
    pub headers: Vec<(String, String)>,
}

/// Declares an upload of `declared` for `scope` by `declared_by`: records the declaration and
/// presigns a PUT for a server-chosen key.
pub async fn declare_upload(
    store: &dyn AttachmentStore,
    files: &dyn FileStore,
    scope: &str,
    declared_by: &str,
    now: Timestamp,
    declared: Declared,
) -> Result<UploadGrant, StoreError> {
    let record = AttachmentRecord {
        id: crate::ids::new_id(),
        scope: scope.to_owned(),
        file_name: declared.file_name,
        content_type: declared.kind.content_type().to_owned(),
        size_bytes: declared.size_bytes,
        declared_by: declared_by.to_owned(),
        declared_at: now,
        used_by: None,
        version_id: None,
    };
    let url = files.presign_put(&record.object_key(), &record.content_type, record.size_bytes, UPLOAD_URL_SECS).await?;
    store.declare(&record).await?;
    Ok(UploadGrant { attachment_id: record.id, url: url.url, expires_in_secs: url.expires_in_secs, headers: url.headers })
}

/// Parses a declaration `{file_name, content_type, size_bytes}` from its fields.
pub fn parse_declaration(mut f: Fields) -> Result<Declared, Invalid> {
    let declared = Declared::parse(&mut f);
    f.finish()?;
    declared.ok_or_else(|| Invalid::field("file_name", Code::Required))
}

/// Reads a list of attachment IDs (`field`, at most `max`), reporting a bad shape in `f`.
pub fn parse_ids(f: &mut Fields, field: &str, max: usize) -> Vec<String> {
    f.optional(field, |v| {
        let items = v.as_array().ok_or(Code::InvalidType)?;
        if items.len() > max {
            return Err(Code::TooMany);
        }
        let ids: Vec<String> = items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect();
        if ids.len() != items.len() {
            return Err(Code::InvalidType);
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != ids.len() {
            return Err(Code::InvalidValue);
        }
        Ok(ids)
    })
    .unwrap_or_default()
}

/// Checks every cited attachment: declared for `scope`, not cited before, and uploaded as
/// declared. Each one that is not is reported as `<field>.<index>`: `attachment_missing`.
/// Returns the references pinned to the versions checked.
pub async fn check_cited(
    f: &mut Fields,
    field: &str,
    ids: &[String],
    scope: &str,
    store: &dyn AttachmentStore,
    files: &dyn FileStore,
) -> Result<Vec<AttachmentRef>, StoreError> {
    check_cited_as(f, |i| format!("{field}.{i}"), ids, scope, store, files).await
}

/// [`check_cited`] for a field that holds one attachment ID (errors name the field itself).
pub async fn check_cited_one(
    f: &mut Fields,
    field: &str,
    id: &str,
    scope: &str,
    store: &dyn AttachmentStore,
    files: &dyn FileStore,
) -> Result<Option<AttachmentRef>, StoreError> {
    Ok(check_cited_as(f, |_| field.to_owned(), &[id.to_owned()], scope, store, files).await?.pop())
}

async fn check_cited_as(
    f: &mut Fields,
    name: impl Fn(usize) -> String,
    ids: &[String],
    scope: &str,
    store: &dyn AttachmentStore,
    files: &dyn FileStore,
) -> Result<Vec<AttachmentRef>, StoreError> {
    let mut usable = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let record = if crate::ids::is_valid_id(id) { store.get(id).await? } else { None };
        let upload = match &record {
            Some(r) if r.scope == scope && r.used_by.is_none() => match r.declared() {
                Some(d) => uploaded_as_declared(files, &r.object_key(), &d).await?,
                None => Upload::Invalid,
            },
            _ => Upload::Missing,
        };
        match (record, upload) {
            (Some(r), Upload::Valid(object)) => usable.push(r.reference(&object)),
            (_, Upload::Invalid) => f.error(&name(i), Code::AttachmentInvalid),
            _ => f.error(&name(i), Code::AttachmentMissing),
        }
    }
    Ok(usable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declare(v: serde_json::Value) -> Result<Declared, Vec<(String, Code)>> {
        parse_declaration(Fields::of(v).unwrap()).map_err(|e| e.0.into_iter().map(|e| (e.field, e.code)).collect())
    }

    #[test]
    fn declarations_accept_pdf_jpeg_png_up_to_10_mib() {
        let ok = declare(json!({"file_name": "приказ №12.pdf", "content_type": "application/pdf", "size_bytes": MAX_BYTES})).unwrap();
        assert_eq!(ok.kind, FileKind::Pdf);
        let errors =
            declare(json!({"file_name": "a.exe", "content_type": "application/x-msdownload", "size_bytes": MAX_BYTES + 1})).unwrap_err();
        assert_eq!(errors, vec![("content_type".into(), Code::InvalidValue), ("size_bytes".into(), Code::FileTooLarge)]);
        let errors = declare(json!({"file_name": "a\u{0}.png", "content_type": "image/png", "size_bytes": 0})).unwrap_err();
        assert_eq!(errors, vec![("size_bytes".into(), Code::InvalidValue), ("file_name".into(), Code::InvalidValue)]);
    }

    #[test]
    fn keys_never_contain_the_users_file_name() {
        assert_eq!(object_key("tickets", "0192abc"), "attachments/tickets/0192abc");
    }
}
