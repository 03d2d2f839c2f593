-- Create "data_chunks" table
CREATE TABLE `data_chunks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `part` text NOT NULL, `seq` integer NOT NULL, `data` blob NOT NULL, `data_job_id` integer NOT NULL, CONSTRAINT `data_chunks_data_jobs_chunks` FOREIGN KEY (`data_job_id`) REFERENCES `data_jobs` (`id`) ON DELETE CASCADE);
-- Set sequence for "data_chunks" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("data_chunks", 94489280512);
-- Create index "datachunk_data_job_id_part_seq" to table: "data_chunks"
CREATE UNIQUE INDEX `datachunk_data_job_id_part_seq` ON `data_chunks` (`data_job_id`, `part`, `seq`);
-- Create "data_jobs" table
CREATE TABLE `data_jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `entity` text NOT NULL, `format` text NOT NULL, `state` text NOT NULL DEFAULT ('QUEUED'), `dry_run` bool NOT NULL DEFAULT (false), `file_name` text NULL, `file_hash` text NULL, `file_size` integer NOT NULL DEFAULT (0), `rows_done` integer NOT NULL DEFAULT (0), `rows_total` integer NOT NULL DEFAULT (0), `created_count` integer NOT NULL DEFAULT (0), `updated_count` integer NOT NULL DEFAULT (0), `unchanged_count` integer NOT NULL DEFAULT (0), `row_errors` json NULL, `error_count` integer NOT NULL DEFAULT (0), `error_message` text NULL, `where_json` blob NULL, `requester_subject` text NOT NULL, `requester_role` text NOT NULL, `requester_region` text NULL, `requester_institution` integer NOT NULL DEFAULT (0), `requester_key_id` text NULL, `created_at` datetime NOT NULL, `started_at` datetime NULL, `finished_at` datetime NULL, `expires_at` datetime NOT NULL);
-- Set sequence for "data_jobs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("data_jobs", 98784247808);
-- Create index "datajob_requester_subject_created_at" to table: "data_jobs"
CREATE INDEX `datajob_requester_subject_created_at` ON `data_jobs` (`requester_subject`, `created_at`);
-- Create index "datajob_expires_at" to table: "data_jobs"
CREATE INDEX `datajob_expires_at` ON `data_jobs` (`expires_at`);
-- Create index "datajob_state" to table: "data_jobs"
CREATE INDEX `datajob_state` ON `data_jobs` (`state`);
