-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_data_jobs" table
CREATE TABLE `new_data_jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `entity` text NOT NULL, `format` text NOT NULL, `state` text NOT NULL DEFAULT ('QUEUED'), `dry_run` bool NOT NULL DEFAULT (false), `file_name` text NULL, `file_hash` text NULL, `file_size` integer NOT NULL DEFAULT (0), `rows_done` integer NOT NULL DEFAULT (0), `rows_total` integer NOT NULL DEFAULT (0), `created_count` integer NOT NULL DEFAULT (0), `updated_count` integer NOT NULL DEFAULT (0), `unchanged_count` integer NOT NULL DEFAULT (0), `deleted_count` integer NOT NULL DEFAULT (0), `row_errors` json NULL, `error_count` integer NOT NULL DEFAULT (0), `error_message` text NULL, `where_json` blob NULL, `requester_subject` text NOT NULL, `requester_role` text NOT NULL, `requester_region` text NULL, `requester_institution` integer NOT NULL DEFAULT (0), `requester_key_id` text NULL, `created_at` datetime NOT NULL, `started_at` datetime NULL, `finished_at` datetime NULL, `expires_at` datetime NOT NULL);
-- Set sequence for "new_data_jobs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_data_jobs", 115964116992);
-- Copy rows from old table "data_jobs" to new temporary table "new_data_jobs"
INSERT INTO `new_data_jobs` (`id`, `kind`, `entity`, `format`, `state`, `dry_run`, `file_name`, `file_hash`, `file_size`, `rows_done`, `rows_total`, `created_count`, `updated_count`, `unchanged_count`, `row_errors`, `error_count`, `error_message`, `where_json`, `requester_subject`, `requester_role`, `requester_region`, `requester_institution`, `requester_key_id`, `created_at`, `started_at`, `finished_at`, `expires_at`) SELECT `id`, `kind`, `entity`, `format`, `state`, `dry_run`, `file_name`, `file_hash`, `file_size`, `rows_done`, `rows_total`, `created_count`, `updated_count`, `unchanged_count`, `row_errors`, `error_count`, `error_message`, `where_json`, `requester_subject`, `requester_role`, `requester_region`, `requester_institution`, `requester_key_id`, `created_at`, `started_at`, `finished_at`, `expires_at` FROM `data_jobs`;
-- Drop "data_jobs" table after copying rows
DROP TABLE `data_jobs`;
-- Rename temporary table "new_data_jobs" to "data_jobs"
ALTER TABLE `new_data_jobs` RENAME TO `data_jobs`;
-- Create index "datajob_requester_subject_created_at" to table: "data_jobs"
CREATE INDEX `datajob_requester_subject_created_at` ON `data_jobs` (`requester_subject`, `created_at`);
-- Create index "datajob_expires_at" to table: "data_jobs"
CREATE INDEX `datajob_expires_at` ON `data_jobs` (`expires_at`);
-- Create index "datajob_state" to table: "data_jobs"
CREATE INDEX `datajob_state` ON `data_jobs` (`state`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
