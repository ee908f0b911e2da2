"""The API as a browser uses it: Debian's chromium, driven through chromedriver (WebDriver), runs
the portal's calls from a page on another origin than the API (tests/browser/page.html).

Usage (tests/api.sh starts the servers): test_browser.py <state file> <page origin> <foreign origin> <docs file>
  state file      written by the `apiserver` binary: the API's base URL and tokens
  page origin     serves tests/browser/ and is in CORS_ALLOWED_ORIGINS
  foreign origin  serves the same page but is not allowed: the browser must refuse the answers
  docs file       docs/index.html, opened from the file system with every network request refused

Runs every check, prints each, and exits non-zero if any failed.
"""

import datetime
import json
import random
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

SMALL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def kz_check_digit(first11):
    """The check digit of an IIN/BIN (two-pass weighted mod 11), or None if there is none."""
    digits = [int(c) for c in first11]
    for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        check = sum(d * w for d, w in zip(digits, weights)) % 11
        if check != 10:
            return check
    return None


def fresh_iin():
    """A valid IIN of a person born in the 1990s (century digit 3 or 4)."""
    while True:
        born = datetime.date(1990, 1, 1) + datetime.timedelta(days=random.randrange(3650))
        first11 = born.strftime("%y%m%d") + random.choice("34") + f"{random.randrange(10000):04d}"
        check = kz_check_digit(first11)
        if check is not None:
            return first11 + str(check)


def api(state, method, path, body=None, token=None):
    """A call from the test itself (no browser): to set up data."""
    req = urllib.request.Request(state["base_url"] + path, method=method)
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


failures = 0


def check(ok, what, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f"\n     {detail}"))
    if not ok:
        failures += 1


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path="/usr/bin/chromedriver"))
    driver.set_script_timeout(60)
    return driver


def run_in_page(driver, script, *args):
    """Runs `script` (an async function body returning a value) in the page."""
    return driver.execute_async_script(
        # An arrow function has no `arguments` of its own: the script reads the outer ones.
        "const done = arguments[arguments.length - 1];"
        "(async () => {" + script + "})().then(done, e => done({ thrown: String(e) }));",
        *args,
    )


def main():
    state_file, page_origin, foreign_origin, docs_file = sys.argv[1:5]
    state = json.load(open(state_file))
    base = state["base_url"]
    tokens = state["tokens"]

    # Set-up: an employer publishes a vacancy (not through the browser).
    title = f"Тігінші {random.randrange(10**6)}"
    valid_until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    status, vacancy = api(state, "POST", "/v1/vacancies", {
        "title": title, "description": "Тігін цехына тәжірибелі тігінші қажет, ауысымдық кесте.",
        "occupation_code": "75310001", "region_code": "751110000", "salary_from": 180000, "employment_type": "full_time",
        "positions": 2, "contact_name": "Сәуле Қасымова", "contact_phone": "+77011234567", "valid_until": valid_until,
    }, tokens["employer"])
    check(status == 201, "set-up: the employer publishes a vacancy", vacancy)

    driver = browser()
    try:
        driver.get(f"{page_origin}/page.html?api={base}")

        # 1. Anonymous vacancy search.
        found = run_in_page(driver, "return await call('GET', '/v1/vacancies?q=' + encodeURIComponent(arguments[0]) + '&limit=5');", title)
        check(found.get("status") == 200 and any(v["id"] == vacancy["id"] for v in found["data"]["items"]),
              "anonymous vacancy search from another origin finds the vacancy", found)
        check(bool(found.get("requestId")), "the browser can read x-request-id (exposed by CORS)", found)

        # 2. Registration and sign-in, then the profile with the token (a preflighted call).
        login = f"browser-{random.randrange(10**9)}@mail.kz"
        password = "Браузер-құпия-2026"
        registered = run_in_page(driver, """
            const [login, password, iin] = arguments;
            const agreement = await call('GET', '/v1/agreement');
            return await call('POST', '/v1/accounts', { body: { login, password, role: 'citizen', last_name: 'Сейтқали',
                first_name: 'Дана', iin, agreement_version: agreement.data.version } });""", login, password, fresh_iin())
        check(registered.get("status") == 201, "registration from the page", registered)
        signed_in = run_in_page(driver, """
            const session = await call('POST', '/v1/sessions', { body: { login: arguments[0], password: arguments[1] } });
            if (session.status !== 200) return session;
            return await call('GET', '/v1/accounts/me', { token: session.data.access_token });""", login, password)
        check(signed_in.get("status") == 200 and signed_in["data"].get("login") == login, "sign-in, then the profile with the bearer token",
              signed_in)

        # 3. A wrong sign-in and a bad form: the problem+json texts shown to the person, in Russian.
        shown = run_in_page(driver, """
            const bad = await call('POST', '/v1/tickets', { body: { full_name: 'Иванова Мария', iin: '123', contact_phone: '1',
                email: 'нет', subject: 'Вход', description: 'Не могу войти' } });
            showProblem(bad.data);
            return { status: bad.status, type: bad.type, message: document.getElementById('message').textContent,
                     fields: Array.from(document.querySelectorAll('#field-errors li')).map(li => li.textContent) };""")
        check(shown.get("status") == 422 and shown["type"].startswith("application/problem+json"), "a bad ticket is a 422 problem+json",
              shown)
        check(shown.get("message") == "Некоторые поля заполнены неверно." and len(shown.get("fields", [])) == 3,
              "the page shows the Russian title and one line per bad field", shown)

        # 4. An anonymous ticket with a PDF uploaded from the page to the presigned URL, read back
        #    with its access code.
        ticket = run_in_page(driver, """
            const pdf = new TextEncoder().encode(arguments[0]);
            const up = await uploadAttachment('/v1/tickets/attachments', 'скриншот.pdf', 'application/pdf', pdf);
            if (up.uploadStatus !== 200) return { step: 'upload', up };
            const filed = await call('POST', '/v1/tickets', { body: { full_name: 'Иванова Мария Петровна', iin: arguments[1],
                contact_phone: '8 (701) 123-45-67', email: 'maria@mail.kz', subject: 'Не приходит SMS-код',
                description: 'При входе на портал SMS-код не приходит.', attachment_ids: [up.declared.data.attachment_id] } });
            if (filed.status !== 201) return { step: 'file', filed };
            const read = await call('GET', '/v1/tickets/' + filed.data.id + '?access_code=' + encodeURIComponent(filed.data.access_code));
            return { step: 'read', up, filed, read };""", SMALL_PDF.decode("latin-1"), fresh_iin())
        read = ticket.get("read", {})
        check(ticket.get("step") == "read" and read.get("status") == 200, "an anonymous ticket with a PDF uploaded from the page", ticket)
        attachments = read.get("data", {}).get("attachments", []) if isinstance(read.get("data"), dict) else []
        check(len(attachments) == 1 and attachments[0]["file_name"] == "скриншот.pdf" and attachments[0]["size_bytes"] == len(SMALL_PDF),
              "read back with its access code, with the uploaded attachment", read)

        # 5. A page of an origin the API does not allow: the browser refuses the answers, and the
        #    bucket refuses its uploads.
        status, declared = api(state, "POST", "/v1/tickets/attachments",
                               {"file_name": "a.pdf", "content_type": "application/pdf", "size_bytes": len(SMALL_PDF)})
        check(status == 201, "set-up: an upload is declared", declared)
        driver.get(f"{foreign_origin}/page.html?api={base}")
        upload = run_in_page(driver, """
            const d = arguments[0];
            const put = await fetch(d.upload_url, { method: 'PUT', headers: d.upload_headers, body: new Blob([arguments[1]]) });
            return { status: put.status };""", declared, SMALL_PDF.decode("latin-1"))
        check("thrown" in upload, "the bucket refuses an upload from a page of another origin (bucket CORS)", upload)
        refused = run_in_page(driver, "return await call('GET', '/v1/vacancies?limit=1');")
        check("thrown" in refused and "Failed to fetch" in refused["thrown"], "a page of another origin is refused by the browser (CORS)",
              refused)
        refused = run_in_page(driver, """
            return await call('POST', '/v1/sessions', { body: { login: 'x@mail.kz', password: 'y' } });""")
        check("thrown" in refused, "…also for a preflighted POST", refused)

        # 6. The HTML reference opens from the file system with every network request refused.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        driver.get("file://" + docs_file)
        rendered = run_in_page(driver, """
            for (let i = 0; i < 100; i++) {
              const text = document.body.innerText;
              if (text.includes('/v1/tickets') && text.includes('/v1/access-journal')) break;
              await new Promise(r => setTimeout(r, 200));
            }
            // Redoc's sidebar names a logo on its CDN: the page's Content-Security-Policy blocks it
            // before any request, so nothing remote gets an answer.
            const remote = performance.getEntriesByType('resource').filter(e => !e.name.startsWith('file:') && (e.responseStatus > 0 || e.transferSize > 0)).map(e => e.name);
            return { ok: document.body.innerText.includes('/v1/access-journal'), remote, title: document.title };""")
        check(rendered.get("ok") and not rendered.get("remote"), "docs/index.html renders every route offline, fetching nothing from the network",
              rendered)
    finally:
        driver.quit()

    print(f"browser: {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
