//! Automation: queued Writer jobs run once each through the credit hold, a job the balance no
//! longer covers fails without charging, and every module endpoint answers 403
//! `module_not_in_plan` for a plan without the module.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

async fn add_site(app: &TestApp, access: &str, name: &str) -> String {
    let response = app
        .post_with_token(
            "/api/v1/sites/",
            access,
            &json!({"name": name, "url": format!("{}.example.com", name.to_lowercase())}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let site: Value = response.json().await.unwrap();
    site["id"].as_str().unwrap().to_string()
}

async fn queue(app: &TestApp, access: &str, body: &Value) -> reqwest::Response {
    app.post_with_token("/api/v1/automation/jobs/", access, body)
        .await
}

/// The account's jobs once none is queued or running (the runner works in the background).
async fn finished_jobs(app: &TestApp, access: &str) -> Vec<Value> {
    for _ in 0..300 {
        let list = app.json("/api/v1/automation/jobs/", access).await;
        let jobs = list["items"].as_array().unwrap().clone();
        if jobs
            .iter()
            .all(|j| j["status"] == "succeeded" || j["status"] == "failed")
        {
            return jobs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("automation jobs did not finish");
}

async fn queued_jobs_run_once_each_as_writer_tasks(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("auto@example.com", "plan_growth")
        .await;
    let blog = add_site(&app, &tenant.access, "Blog").await;
    add_site(&app, &tenant.access, "Shop").await;
    let response = queue(
        &app,
        &tenant.access,
        &json!({"kind": "outline", "keywords": ["trail shoes", "road bikes", "Trail Shoes"]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let queued: Value = response.json().await.unwrap();
    let items = queued["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "two sites × two distinct keywords");
    let mut sites: Vec<&str> = items
        .iter()
        .map(|j| j["site_name"].as_str().unwrap())
        .collect();
    sites.dedup();
    sites.sort();
    assert_eq!(sites, ["Blog", "Shop"], "each site's jobs together");
    assert_eq!(items[0]["keyword"], "trail shoes");
    assert_eq!(items[1]["keyword"], "road bikes");

    let jobs = finished_jobs(&app, &tenant.access).await;
    assert_eq!(jobs.len(), 4);
    for job in &jobs {
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["credits_charged"], 5);
        let task = app
            .json(
                &format!("/api/v1/writer/tasks/{}/", job["task_id"].as_str().unwrap()),
                &tenant.access,
            )
            .await;
        assert_eq!(task["status"], "succeeded");
    }
    assert_eq!(app.balance(&tenant.access).await, 5000 - 4 * 5);
    // Each ran exactly once: one task and one usage line per job, tied to its site.
    let tasks = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tasks WHERE account_id = $1",
            &tenant.account_id,
        )
        .await;
    assert_eq!(tasks, 4);
    let on_blog = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM usage_logs WHERE site_id = $1",
            &blog,
        )
        .await;
    assert_eq!(on_blog, 2);
    // Another pass of the background jobs finds nothing left to run.
    app.tick().await;
    assert_eq!(app.balance(&tenant.access).await, 5000 - 4 * 5);

    // One site only, and the rules of the Writer apply before anything is queued.
    let one = queue(
        &app,
        &tenant.access,
        &json!({"kind": "article", "words": 100, "keywords": ["gravel"], "site_ids": [blog]}),
    )
    .await;
    assert_eq!(one.status(), 201);
    let bad_length = queue(
        &app,
        &tenant.access,
        &json!({"kind": "article", "words": 5, "keywords": ["x"]}),
    )
    .await;
    assert_eq!(bad_length.status(), 422);
    let foreign = queue(
        &app,
        &tenant.access,
        &json!({"kind": "outline", "keywords": ["x"], "site_ids": ["site_not_mine"]}),
    )
    .await;
    assert_eq!(foreign.status(), 422);
    let empty = queue(
        &app,
        &tenant.access,
        &json!({"kind": "outline", "keywords": [" "]}),
    )
    .await;
    assert_eq!(empty.status(), 422);
    let jobs = finished_jobs(&app, &tenant.access).await;
    assert_eq!(jobs.len(), 5, "the refused requests queued nothing");
}

async fn jobs_the_balance_does_not_cover_fail_without_charging(app: TestApp) {
    // 12 credits: an outline costs 5 and holds 6, so two run and the third cannot.
    app.tiny_plan(12, "writer,automation").await;
    let (tenant, _) = app
        .subscribed_tenant("auto-poor@example.com", "plan_tiny")
        .await;
    add_site(&app, &tenant.access, "Blog").await;
    let response = queue(
        &app,
        &tenant.access,
        &json!({"kind": "outline", "keywords": ["one", "two", "three"]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let jobs = finished_jobs(&app, &tenant.access).await;
    let statuses: Vec<&str> = jobs.iter().map(|j| j["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succeeded", "succeeded", "failed"]);
    assert_eq!(jobs[2]["error_code"], "insufficient_credits");
    assert_eq!(jobs[2]["credits_charged"], 0);
    assert_eq!(app.balance(&tenant.access).await, 2);
    let holds = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_holds WHERE account_id = $1 AND status = 'open'",
            &tenant.account_id,
        )
        .await;
    assert_eq!(holds, 0, "nothing left held");
}

/// Every module endpoint, REST and server function, for a plan that lacks the module.
async fn every_module_endpoint_checks_the_plan(app: TestApp) {
    app.tiny_plan(100, "planner").await;
    let (tenant, _) = app
        .subscribed_tenant("gated@example.com", "plan_tiny")
        .await;
    let planned = app
        .post_with_token(
            "/api/v1/planner/tasks/",
            &tenant.access,
            &json!({"keywords": ["a b", "a c"]}),
        )
        .await;
    assert_eq!(planned.status(), 201, "the plan's own module works");
    let planned: Value = planned.json().await.unwrap();
    let planner_task = planned["id"].as_str().unwrap();

    let requests: Vec<(&str, &str, Option<Value>, &str)> = vec![
        (
            "POST",
            "/api/v1/writer/tasks/",
            Some(json!({"kind": "outline", "keyword": "x"})),
            "writer",
        ),
        ("GET", "/api/v1/writer/tasks/task_any/", None, "writer"),
        ("GET", "/api/v1/automation/jobs/", None, "automation"),
        (
            "POST",
            "/api/v1/automation/jobs/",
            Some(json!({"kind": "outline", "keywords": ["x"]})),
            "automation",
        ),
    ];
    for (method, path, body, module) in requests {
        let response = match body {
            Some(body) => app.post_with_token(path, &tenant.access, &body).await,
            None => app.get_with_token(path, &tenant.access).await,
        };
        assert_eq!(response.status(), 403, "{method} {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(
            error["error"]["code"], "module_not_in_plan",
            "{method} {path}"
        );
        assert_eq!(error["error"]["module"], module);
        assert!(error["error"]["upgrade_url"]
            .as_str()
            .unwrap()
            .starts_with("/account/plans"));
    }
    // The browser's server functions answer the same.
    for (path, form) in [
        (
            "/api/writer/run",
            vec![("kind", "outline"), ("keyword", "x")],
        ),
        ("/api/automation/jobs", vec![]),
        (
            "/api/automation/queue",
            vec![("kind", "outline"), ("keywords", "x"), ("site_id", "")],
        ),
    ] {
        let response = app.server_fn(path, &tenant.access, &form).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(app.balance(&tenant.access).await, 100 - 2);

    // A plan without the Planner closes its endpoints too, including reading a task.
    sqlx::query("UPDATE plans SET modules = 'writer' WHERE id = 'plan_tiny'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let again = app
        .post_with_token(
            "/api/v1/planner/tasks/",
            &tenant.access,
            &json!({"keywords": ["a"]}),
        )
        .await;
    assert_eq!(again.status(), 403);
    let read = app
        .get_with_token(
            &format!("/api/v1/planner/tasks/{planner_task}/"),
            &tenant.access,
        )
        .await;
    assert_eq!(read.status(), 403);
    let by_form = app
        .server_fn("/api/planner/run", &tenant.access, &[("keywords", "x")])
        .await;
    assert_eq!(by_form.status(), 403);
}

crate::on_both_engines!(
    queued_jobs_run_once_each_as_writer_tasks,
    jobs_the_balance_does_not_cover_fail_without_charging,
    every_module_endpoint_checks_the_plan,
);
