//! What the browser downloads: compression on the fly, precompressed site files and their cache
//! policy (server/src/assets.rs). Year-long caching of hashed names is held by the unit tests
//! there and, on the real release build, by end2end/tests/assets.spec.mjs.

use crate::helpers::{Engine, TestApp};

async fn get_accepting(
    app_url: &str,
    client: &reqwest::Client,
    encoding: &str,
) -> reqwest::Response {
    client
        .get(app_url)
        .header("accept-encoding", encoding)
        .send()
        .await
        .expect("request")
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

async fn pages_and_json_are_compressed_for_clients_that_accept_it(app: TestApp) {
    for path in ["/login", "/api/v1/openapi.json"] {
        let plain = app.get(path).await;
        assert_eq!(plain.status(), 200, "{path}");
        assert_eq!(
            header(&plain, "content-encoding"),
            "",
            "{path}: identity when not asked"
        );
        let plain_len = plain.bytes().await.unwrap().len();
        for encoding in ["br", "gzip"] {
            let response = get_accepting(&app.url(path), &app.client, encoding).await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(header(&response, "content-encoding"), encoding, "{path}");
            assert!(header(&response, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"));
            let compressed_len = response.bytes().await.unwrap().len();
            assert!(
                compressed_len * 2 < plain_len,
                "{path} {encoding}: {compressed_len} of {plain_len} bytes"
            );
        }
    }
}

/// Streamed bodies (CSV exports, receipts) end cleanly when compressed: the compressor polls a
/// stream once more after its end, which must not cut the response off.
async fn streamed_exports_arrive_whole_when_compressed(app: TestApp) {
    let admin = app.admin().await;
    for path in [
        "/api/v1/admin/users/?format=csv",
        "/api/v1/billing/admin/payments/?format=csv",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(&admin)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-encoding"), "gzip", "{path}");
        let body = response.bytes().await;
        assert!(body.is_ok(), "{path}: the body was cut off: {body:?}");
    }
}

async fn the_live_balance_stream_is_never_compressed(app: TestApp) {
    let tenant = app.tenant("stream@example.com").await;
    let response = app
        .client
        .get(app.url("/api/v1/billing/transactions/balance/stream/"))
        .bearer_auth(&tenant.access)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/event-stream"));
    assert_eq!(
        header(&response, "content-encoding"),
        "",
        "a compressed stream would hold events back until a compressor block fills"
    );
}

crate::on_both_engines!(
    pages_and_json_are_compressed_for_clients_that_accept_it,
    streamed_exports_arrive_whole_when_compressed,
    the_live_balance_stream_is_never_compressed,
);

/// The site files of a server started on a folder of the test's own.
mod site_files {
    use super::*;

    async fn precompressed_files_are_sent_encoded_and_unhashed_ones_revalidated(engine: Engine) {
        let Some(app) = TestApp::spawn(engine).await else {
            return;
        };
        let site = app.own_dir("site");
        let pkg = format!("{site}/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let script = "console.log('igny8');\n".repeat(100);
        std::fs::write(format!("{pkg}/igny8.js"), &script).unwrap();
        std::fs::write(format!("{pkg}/igny8.js.br"), b"brotli bytes").unwrap();
        std::fs::write(format!("{pkg}/igny8.js.gz"), b"gzip bytes").unwrap();
        let (address, _) = app
            .another_instance_with(&[("LEPTOS_SITE_ROOT", &site), ("LEPTOS_HASH_FILES", "false")])
            .await;
        let url = format!("{address}/pkg/igny8.js");

        for (accepts, encoding, body) in [
            ("br, gzip", "br", "brotli bytes"),
            ("gzip", "gzip", "gzip bytes"),
            ("identity", "", script.as_str()),
        ] {
            let response = get_accepting(&url, &app.client, accepts).await;
            assert_eq!(response.status(), 200, "{accepts}");
            assert_eq!(header(&response, "content-encoding"), encoding, "{accepts}");
            assert_eq!(
                header(&response, "cache-control"),
                "no-cache",
                "unhashed: revalidated"
            );
            assert!(header(&response, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"));
            assert_eq!(response.text().await.unwrap(), body, "{accepts}");
        }
        let missing = app
            .client
            .get(format!("{address}/pkg/nothing.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(
            header(&missing, "cache-control"),
            "",
            "a miss is not cached"
        );
    }

    crate::on_both_engines!(engine: precompressed_files_are_sent_encoded_and_unhashed_ones_revalidated);
}
