//! What the outermost layer learns about a request and the code below it needs without
//! threading it through every signature: the language of error texts, the request ID, the
//! caller's address and (once authenticated) the actor for the access log.

use enbek_core::audit::Origin;
use enbek_core::codes::Lang;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct RequestContext {
    pub request_id: String,
    pub lang: Lang,
    pub source_ip: String,
    actor: Arc<Mutex<Option<String>>>,
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

impl RequestContext {
    pub fn new(request_id: String, lang: Lang, source_ip: String) -> Self {
        Self { request_id, lang, source_ip, actor: Arc::new(Mutex::new(None)) }
    }

    /// Runs `fut` with this context as the current one.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }

    pub fn actor(&self) -> Option<String> {
        self.actor.lock().ok().and_then(|a| a.clone())
    }
}

/// The current request's context, or a neutral one outside a request (tests, scripts).
pub fn current() -> RequestContext {
    CURRENT.try_with(|c| c.clone()).unwrap_or_else(|_| RequestContext::new("-".into(), Lang::Kk, "unknown".into()))
}

/// The current request as use cases see it: request ID, source address, language.
pub fn origin() -> Origin {
    let c = current();
    Origin { request_id: c.request_id, source_ip: c.source_ip, lang: c.lang }
}

pub fn lang() -> Lang {
    CURRENT.try_with(|c| c.lang).unwrap_or_default()
}

/// Records who is acting, for the access log and the audit trail.
pub fn set_actor(actor: &str) {
    let _ = CURRENT.try_with(|c| {
        if let Ok(mut slot) = c.actor.lock() {
            *slot = Some(actor.to_owned());
        }
    });
}
