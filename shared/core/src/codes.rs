//! Stable machine codes of the API (API.md) and their human texts in Kazakh, Russian and
//! English (ACS-13). The `match` in [`Code::text`] is exhaustive, so a code without a text
//! in one of the three languages does not compile.

use serde::{Serialize, Serializer};

crate::string_enum! {
    /// The language of the human-readable parts of a response (`title`, `detail`, `message`)
    /// and of e-mails.
    pub enum Lang {
        /// Kazakh — the default (API.md, ACS-13).
        Kk,
        Ru,
        En,
    }
}

#[allow(clippy::derivable_impls)] // the enum is declared by `string_enum!`
impl Default for Lang {
    fn default() -> Self {
        Lang::Kk
    }
}

impl Lang {
    /// Picks the first supported language of an `Accept-Language` header, honouring q-values;
    /// Kazakh when none is supported.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else { return Lang::Kk };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (pos, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.filter_map(|p| p.trim().strip_prefix("q=")).filter_map(|q| q.trim().parse::<f32>().ok()).next().unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "kk" => Lang::Kk,
                "ru" => Lang::Ru,
                "en" => Lang::En,
                _ => continue,
            };
            if q <= 0.0 {
                continue;
            }
            // Highest q wins; on a tie, the one listed first.
            if best.is_none_or(|(bq, bpos, _)| q > bq || (q == bq && pos < bpos)) {
                best = Some((q, pos, lang));
            }
        }
        best.map(|(_, _, l)| l).unwrap_or_default()
    }

    /// The language tag (`kk`, `ru`, `en`).
    pub fn tag(self) -> &'static str {
        self.as_str()
    }
}

macro_rules! codes {
    ($($variant:ident => $code:literal { kk: $kk:literal, ru: $ru:literal, en: $en:literal $(,)? }),+ $(,)?) => {
        /// Every machine code the API can answer with, top-level or per field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),+ }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable machine code, e.g. `login_taken`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),+ }
            }

            /// The human text of the code in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Code::$variant, Lang::Kk) => $kk,
                        (Code::$variant, Lang::Ru) => $ru,
                        (Code::$variant, Lang::En) => $en,
                    )+
                }
            }
        }
    };
}

impl crate::enums::StringEnum for Code {
    const ALL: &'static [Self] = Code::ALL;
    fn as_str(self) -> &'static str {
        Code::as_str(self)
    }
}

impl Code {
    /// The code whose machine form is `s`.
    pub fn parse(s: &str) -> Option<Code> {
        <Self as crate::enums::StringEnum>::parse(s)
    }
}

// The OpenAPI schema of a code (feature `openapi`): a string, one of every code.
crate::__string_enum_schema!(Code);

codes! {
    // --- request shape -------------------------------------------------------------
    MalformedBody => "malformed_body" {
        kk: "Сұрау денесі дұрыс JSON нысаны емес.",
        ru: "Тело запроса не является корректным объектом JSON.",
        en: "The request body is not a well-formed JSON object.",
    },
    UnsupportedMediaType => "unsupported_media_type" {
        kk: "Сұрау денесі application/json түрінде жіберілуі керек.",
        ru: "Тело запроса должно передаваться как application/json.",
        en: "The request body must be sent as application/json.",
    },
    PayloadTooLarge => "payload_too_large" {
        kk: "Сұрау денесі 256 КиБ-тан аспауы керек.",
        ru: "Тело запроса не должно превышать 256 КиБ.",
        en: "The request body must not exceed 256 KiB.",
    },
    ValidationFailed => "validation_failed" {
        kk: "Кейбір өрістер дұрыс толтырылмаған.",
        ru: "Некоторые поля заполнены неверно.",
        en: "Some fields are invalid.",
    },
    UnknownField => "unknown_field" {
        kk: "Белгісіз өріс.",
        ru: "Неизвестное поле.",
        en: "Unknown field.",
    },
    NotFound => "not_found" {
        kk: "Сұралған ресурс табылмады.",
        ru: "Запрошенный ресурс не найден.",
        en: "The requested resource was not found.",
    },
    MethodNotAllowed => "method_not_allowed" {
        kk: "Бұл әдіс осы мекенжай үшін қолданылмайды.",
        ru: "Этот метод не поддерживается для данного адреса.",
        en: "This method is not supported for this address.",
    },
    InternalError => "internal_error" {
        kk: "Ішкі қате. Кейінірек қайталап көріңіз; қолдау қызметіне x-request-id мәнін хабарлаңыз.",
        ru: "Внутренняя ошибка. Повторите позже; сообщите в поддержку значение x-request-id.",
        en: "Internal error. Try again later; quote the x-request-id value to support.",
    },
    ServiceUnavailable => "service_unavailable" {
        kk: "Қызмет уақытша қолжетімсіз. Кейінірек қайталап көріңіз.",
        ru: "Сервис временно недоступен. Повторите попытку позже.",
        en: "The service is temporarily unavailable. Try again later.",
    },
    ConcurrentUpdate => "concurrent_update" {
        kk: "Жазба бір уақытта өзгертілді. Қайта оқып, қайталаңыз.",
        ru: "Запись была изменена одновременно. Перечитайте и повторите.",
        en: "The record was changed concurrently. Read it again and retry.",
    },
    // --- idempotency ------------------------------------------------------------------
    IdempotencyKeyReused => "idempotency_key_reused" {
        kk: "Бұл Idempotency-Key басқа сұрауда қолданылған.",
        ru: "Этот Idempotency-Key уже использован для другого запроса.",
        en: "This Idempotency-Key was already used for a different request.",
    },
    IdempotencyKeyInvalid => "idempotency_key_invalid" {
        kk: "Idempotency-Key 1–255 басылатын ASCII таңбадан тұруы керек.",
        ru: "Idempotency-Key должен состоять из 1–255 печатных символов ASCII.",
        en: "Idempotency-Key must be 1–255 printable ASCII characters.",
    },
    RequestInProgress => "request_in_progress" {
        kk: "Осы кілтпен сұрау әлі өңделуде. Біраздан кейін қайталаңыз.",
        ru: "Запрос с этим ключом ещё обрабатывается. Повторите чуть позже.",
        en: "A request with this key is still being processed. Retry shortly.",
    },
    // --- authentication and authorisation ---------------------------------------------
    Unauthenticated => "unauthenticated" {
        kk: "Жарамды кіру токені қажет.",
        ru: "Требуется действительный токен доступа.",
        en: "A valid access token is required.",
    },
    Forbidden => "forbidden" {
        kk: "Бұл әрекетке құқығыңыз жоқ.",
        ru: "У вас нет прав на это действие.",
        en: "You are not allowed to do this.",
    },
    PasswordChangeRequired => "password_change_required" {
        kk: "Алдымен уақытша құпиясөзді ауыстырыңыз.",
        ru: "Сначала смените временный пароль.",
        en: "Change the temporary password first.",
    },
    InvalidCredentials => "invalid_credentials" {
        kk: "Логин немесе құпиясөз қате.",
        ru: "Неверный логин или пароль.",
        en: "Wrong login or password.",
    },
    AccountBlocked => "account_blocked" {
        kk: "Тіркелгі бұғатталған.",
        ru: "Учётная запись заблокирована.",
        en: "The account is blocked.",
    },
    TooManyAttempts => "too_many_attempts" {
        kk: "Сәтсіз әрекеттер тым көп. Retry-After уақыты өткен соң қайталаңыз.",
        ru: "Слишком много неудачных попыток. Повторите после времени Retry-After.",
        en: "Too many failed attempts. Retry after the Retry-After time.",
    },
    // --- accounts -----------------------------------------------------------------------
    LoginTaken => "login_taken" {
        kk: "Бұл логин бос емес.",
        ru: "Этот логин уже занят.",
        en: "This login is already taken.",
    },
    CannotBlockSelf => "cannot_block_self" {
        kk: "Өз тіркелгіңізді бұғаттай алмайсыз.",
        ru: "Нельзя заблокировать собственную учётную запись.",
        en: "You cannot block your own account.",
    },
    AlreadyBootstrapped => "already_bootstrapped" {
        kk: "Бірінші қауіпсіздік әкімшісі бұрын құрылған.",
        ru: "Первый администратор безопасности уже создан.",
        en: "The first security administrator already exists.",
    },
    // --- field codes ----------------------------------------------------------------------
    Required => "required" {
        kk: "Өрісті толтыру міндетті.",
        ru: "Поле обязательно для заполнения.",
        en: "This field is required.",
    },
    InvalidType => "invalid_type" {
        kk: "Өріс мәнінің түрі дұрыс емес.",
        ru: "Неверный тип значения поля.",
        en: "The value has the wrong type.",
    },
    TooLong => "too_long" {
        kk: "Мән тым ұзын.",
        ru: "Значение слишком длинное.",
        en: "The value is too long.",
    },
    InvalidValue => "invalid_value" {
        kk: "Рұқсат етілмеген мән.",
        ru: "Недопустимое значение.",
        en: "The value is not one of the allowed values.",
    },
    NotAllowed => "not_allowed" {
        kk: "Бұл өріс осы сұрау түріне жатпайды.",
        ru: "Это поле не допускается для данного вида запроса.",
        en: "This field is not allowed for this kind of request.",
    },
    LoginInvalid => "login_invalid" {
        kk: "Логин — электрондық пошта немесе Қазақстанның ұялы телефон нөмірі (+7 7XX XXX XX XX).",
        ru: "Логин — адрес электронной почты или мобильный номер Казахстана (+7 7XX XXX XX XX).",
        en: "The login must be an e-mail address or a Kazakhstan mobile number (+7 7XX XXX XX XX).",
    },
    EmailInvalid => "email_invalid" {
        kk: "Электрондық пошта мекенжайы дұрыс емес.",
        ru: "Неверный адрес электронной почты.",
        en: "The e-mail address is not valid.",
    },
    PhoneInvalid => "phone_invalid" {
        kk: "Қазақстанның ұялы телефон нөмірі дұрыс емес.",
        ru: "Неверный мобильный номер Казахстана.",
        en: "Not a valid Kazakhstan mobile number.",
    },
    IinInvalid => "iin_invalid" {
        kk: "ЖСН дұрыс емес: 12 цифр, дұрыс туған күн және бақылау саны.",
        ru: "Неверный ИИН: 12 цифр, реальная дата рождения и верный контрольный разряд.",
        en: "Invalid IIN: 12 digits, a real birth date and a correct check digit.",
    },
    BinInvalid => "bin_invalid" {
        kk: "БСН дұрыс емес: 12 цифр және дұрыс бақылау саны.",
        ru: "Неверный БИН: 12 цифр и верный контрольный разряд.",
        en: "Invalid BIN: 12 digits and a correct check digit.",
    },
    NameInvalid => "name_invalid" {
        kk: "Аты-жөнінде тек әріптер, бос орын, дефис және апостроф болуы мүмкін (100 таңбаға дейін).",
        ru: "ФИО может содержать только буквы, пробел, дефис и апостроф (до 100 символов).",
        en: "Names may contain only letters, spaces, hyphens and apostrophes (up to 100 characters).",
    },
    PasswordWeak => "password_weak" {
        kk: "Құпиясөз 12–128 таңбадан тұруы, логинге тең болмауы және жиі қолданылатын құпиясөздер тізімінде болмауы керек.",
        ru: "Пароль должен содержать 12–128 символов, не совпадать с логином и не входить в список распространённых паролей.",
        en: "The password must be 12–128 characters, differ from the login and not be a common password.",
    },
    PasswordReused => "password_reused" {
        kk: "Жаңа құпиясөз ағымдағысынан өзгеше болуы керек.",
        ru: "Новый пароль должен отличаться от текущего.",
        en: "The new password must differ from the current one.",
    },
    PasswordIncorrect => "password_incorrect" {
        kk: "Ағымдағы құпиясөз қате.",
        ru: "Текущий пароль указан неверно.",
        en: "The current password is wrong.",
    },
    FileTooLarge => "file_too_large" {
        kk: "Файл 10 МиБ-тан аспауы керек.",
        ru: "Файл не должен превышать 10 МиБ.",
        en: "The file must not exceed 10 MiB.",
    },
    AttachmentMissing => "attachment_missing" {
        kk: "Тіркеме жүктелмеген немесе мәлімделгеніне сәйкес емес.",
        ru: "Вложение не загружено или не соответствует заявленному.",
        en: "The attachment was not uploaded or does not match what was declared.",
    },
    TooMany => "too_many" {
        kk: "Элементтер тым көп.",
        ru: "Слишком много элементов.",
        en: "Too many items.",
    },
    InvalidTransition => "invalid_transition" {
        kk: "Мәртебе тек алға қарай өзгереді: жаңа → жұмыста → шешілді → жабылды.",
        ru: "Статус меняется только вперёд: новое → в работе → решено → закрыто.",
        en: "The status only moves forward: new → in progress → resolved → closed.",
    },
    BasisExpired => "basis_expired" {
        kk: "Негіз (бұйрық) өтінім күнінен бір жылдан бұрын бекітілген.",
        ru: "Основание (приказ) утверждено более чем за год до даты заявки.",
        en: "The basis (order) was approved more than one year before the request date.",
    },
    OrganizationNotEligible => "organization_not_eligible" {
        kk: "Қолжетімділік тек мемлекеттік органдар мен мемлекеттік мекемелердің қызметкерлеріне беріледі.",
        ru: "Доступ предоставляется только работникам государственных органов и государственных учреждений.",
        en: "Access is given only to staff of state bodies and public institutions.",
    },
    DuplicateRequest => "duplicate_request" {
        kk: "Осы тұлға мен түр бойынша қаралмаған өтінім бар.",
        ru: "По этому лицу и виду уже есть нерассмотренная заявка.",
        en: "An open request of this kind for this person already exists.",
    },
    AlreadyDecided => "already_decided" {
        kk: "Өтінім бойынша шешім қабылданып қойған.",
        ru: "По заявке уже принято решение.",
        en: "The request has already been decided.",
    },
    PersonHasLogin => "person_has_login" {
        kk: "Бұл ЖСН иесінің логині бар: бір адамға бір логин.",
        ru: "У владельца этого ИИН уже есть логин: один логин на человека.",
        en: "This IIN already has a login: one login per person.",
    },
    AccountNotFound => "account_not_found" {
        kk: "Бұл ЖСН бойынша қызметкердің есептік жазбасы жоқ.",
        ru: "Учётная запись сотрудника с этим ИИН не найдена.",
        en: "No staff account exists for this IIN.",
    },
    AlreadyClosed => "already_closed" {
        kk: "Бос жұмыс орны жабылып қойған.",
        ru: "Вакансия уже закрыта.",
        en: "The vacancy is already closed.",
    },
    SalaryBelowMinimum => "salary_below_minimum" {
        kk: "Толық жұмыс күні үшін жалақы ең төменгі айлық жалақыдан кем болмауы керек.",
        ru: "Зарплата при полной занятости не может быть ниже минимальной месячной заработной платы.",
        en: "A full-time salary cannot be below the minimum monthly wage.",
    },
    InvalidCursor => "invalid_cursor" {
        kk: "Бет курсоры жарамсыз: ол басқа сұраудан алынған немесе өзгертілген.",
        ru: "Недействительный курсор страницы: он получен из другого запроса или изменён.",
        en: "The page cursor is invalid: it came from another query or was altered.",
    },
    TemporaryPasswordExpired => "temporary_password_expired" {
        kk: "Уақытша құпиясөздің мерзімі өтті. Қолжетімділікке қайта өтінім беріңіз.",
        ru: "Срок действия временного пароля истёк. Подайте повторную заявку на доступ.",
        en: "The temporary password has expired. File a repeated access request.",
    },
    PersonHasAccount => "person_has_account" {
        kk: "Бұл ЖСН бойынша тіркелгі бар: бір адамға бір тіркелгі.",
        ru: "На этот ИИН уже зарегистрирована учётная запись: одна учётная запись на человека.",
        en: "An account already exists for this IIN: one account per person.",
    },
    LoginMismatch => "login_mismatch" {
        kk: "Логин осы ЖСН иесінің логиніне сәйкес келмейді.",
        ru: "Логин не совпадает с логином владельца этого ИИН.",
        en: "The login is not the login of this IIN's holder.",
    },
    AttachmentInvalid => "attachment_invalid" {
        kk: "Жүктелген файл мәлімделгенге сәйкес емес (түрі, көлемі немесе мазмұны).",
        ru: "Загруженный файл не соответствует заявленному (тип, размер или содержимое).",
        en: "The uploaded file does not match what was declared (type, size or content).",
    },
    AttachmentRequired => "attachment_required" {
        kk: "Бұл сомадағы шығынға растайтын құжат тіркеу қажет.",
        ru: "Для расхода на такую сумму нужен подтверждающий документ.",
        en: "An expense of this amount needs a supporting document.",
    },
    RecipientUnknown => "recipient_unknown" {
        kk: "Бұл ЖСН бойынша азаматтың тіркелгісі жоқ.",
        ru: "Учётная запись гражданина с этим ИИН не найдена.",
        en: "No citizen account exists for this IIN.",
    },
    PositionsFilled => "positions_filled" {
        kk: "Бос орынның барлық орындарына адамдар қабылданып қойған.",
        ru: "На все места вакансии уже приняты работники.",
        en: "Every position of the vacancy has already been filled.",
    },
    GrantExceeded => "grant_exceeded" {
        kk: "Сома гранттың қалдығынан асады.",
        ru: "Сумма превышает остаток гранта.",
        en: "The amount exceeds what remains of the grant.",
    },
    OutOfPeriod => "out_of_period" {
        kk: "Күн грант кезеңінен тыс немесе болашақта.",
        ru: "Дата вне периода гранта или в будущем.",
        en: "The date is outside the grant period or in the future.",
    },
    AgreementRequired => "agreement_required" {
        kk: "Пайдаланушы келісімінің қолданыстағы нұсқасын қабылдаңыз.",
        ru: "Примите действующую версию пользовательского соглашения.",
        en: "Accept the current version of the user agreement.",
    },
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_unique_snake_case_and_has_three_distinct_texts() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {}", code.as_str());
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            let texts = [code.text(Lang::Kk), code.text(Lang::Ru), code.text(Lang::En)];
            for t in texts {
                assert!(!t.trim().is_empty(), "{} lacks a text", code.as_str());
            }
            // ACS-13: the Kazakh and Russian texts are translations, not English copies.
            assert_ne!(texts[0], texts[2], "{}: kk text is English", code.as_str());
            assert_ne!(texts[1], texts[2], "{}: ru text is English", code.as_str());
        }
    }

    #[test]
    fn accept_language_defaults_to_kazakh_and_honours_q_values() {
        let cases = [
            (None, Lang::Kk),
            (Some(""), Lang::Kk),
            (Some("de-DE"), Lang::Kk),
            (Some("ru"), Lang::Ru),
            (Some("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("en;q=0.5, kk;q=0.8"), Lang::Kk),
            (Some("fr, ru;q=0.1"), Lang::Ru),
            (Some("ru;q=0, en"), Lang::En),
            (Some("KK-kz"), Lang::Kk),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header:?}");
        }
    }
}
