-- Writer work queued by the Automation module: one row per (site, keyword). A job runs once:
-- an instance claims it by a conditional update from `queued` to `running`; the task it runs
-- goes through the same credit hold as a task started by hand.
CREATE TABLE automation_jobs (
    id TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    -- The site's name and address when queued: the job's record outlives a removed site.
    site_id TEXT NOT NULL,
    site_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('outline', 'article')),
    keyword TEXT NOT NULL,
    words BIGINT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    task_id TEXT,
    credits_charged BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    position BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX automation_jobs_account_idx ON automation_jobs (account_id, created_at);
CREATE INDEX automation_jobs_status_idx ON automation_jobs (status, created_at);
