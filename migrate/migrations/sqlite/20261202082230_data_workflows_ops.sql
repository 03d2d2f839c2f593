-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_complaints" table
CREATE TABLE `new_complaints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `received_at` datetime NOT NULL, `closed_at` datetime NULL, `channel` text NOT NULL, `category` text NOT NULL, `due_on` datetime NULL, `outcome` text NULL, `resolution` text NULL, `institution_id` integer NOT NULL, CONSTRAINT `complaints_institutions_complaints` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "new_complaints" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_complaints", 12884901888);
-- Copy rows from old table "complaints" to new temporary table "new_complaints"
INSERT INTO `new_complaints` (`id`, `created_at`, `updated_at`, `received_at`, `closed_at`, `channel`, `category`, `resolution`, `institution_id`) SELECT `id`, `created_at`, `updated_at`, `received_at`, `closed_at`, `channel`, `category`, `resolution`, `institution_id` FROM `complaints`;
-- Drop "complaints" table after copying rows
DROP TABLE `complaints`;
-- Rename temporary table "new_complaints" to "complaints"
ALTER TABLE `new_complaints` RENAME TO `complaints`;
-- Create index "complaint_institution_id" to table: "complaints"
CREATE INDEX `complaint_institution_id` ON `complaints` (`institution_id`);
-- Create index "complaint_received_at" to table: "complaints"
CREATE INDEX `complaint_received_at` ON `complaints` (`received_at`);
-- Create index "complaint_due_on" to table: "complaints"
CREATE INDEX `complaint_due_on` ON `complaints` (`due_on`);
-- Add column "changed_at" to table: "filings"
ALTER TABLE `filings` ADD COLUMN `changed_at` datetime NULL;
-- Add column "cancelled_at" to table: "filings"
ALTER TABLE `filings` ADD COLUMN `cancelled_at` datetime NULL;
-- Create "new_findings" table
CREATE TABLE `new_findings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `rule` text NOT NULL, `severity` text NOT NULL, `description` text NULL, `deadline` datetime NULL, `corrected_at` datetime NULL, `status` text NOT NULL DEFAULT ('OPEN'), `rectified_at` datetime NULL, `inspection_id` integer NOT NULL, `verified_by_id` integer NULL, CONSTRAINT `findings_inspections_findings` FOREIGN KEY (`inspection_id`) REFERENCES `inspections` (`id`) ON DELETE NO ACTION, CONSTRAINT `findings_inspections_verified_findings` FOREIGN KEY (`verified_by_id`) REFERENCES `inspections` (`id`) ON DELETE SET NULL);
-- Set sequence for "new_findings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_findings", 25769803776);
-- Copy rows from old table "findings" to new temporary table "new_findings"
INSERT INTO `new_findings` (`id`, `created_at`, `updated_at`, `rule`, `severity`, `description`, `deadline`, `corrected_at`, `inspection_id`) SELECT `id`, `created_at`, `updated_at`, `rule`, `severity`, `description`, `deadline`, `corrected_at`, `inspection_id` FROM `findings`;
-- Drop "findings" table after copying rows
DROP TABLE `findings`;
-- Rename temporary table "new_findings" to "findings"
ALTER TABLE `new_findings` RENAME TO `findings`;
-- Create index "finding_inspection_id" to table: "findings"
CREATE INDEX `finding_inspection_id` ON `findings` (`inspection_id`);
-- Create index "finding_deadline" to table: "findings"
CREATE INDEX `finding_deadline` ON `findings` (`deadline`);
-- Create index "finding_status" to table: "findings"
CREATE INDEX `finding_status` ON `findings` (`status`);
-- Create index "finding_verified_by_id" to table: "findings"
CREATE INDEX `finding_verified_by_id` ON `findings` (`verified_by_id`);
-- Create "new_institutions" table
CREATE TABLE `new_institutions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `opened_at` datetime NOT NULL, `closed_at` datetime NULL, `name` text NOT NULL, `credit_code` text NOT NULL, `form` text NOT NULL, `legal_nature` text NOT NULL, `ownership` text NOT NULL, `service_modes` json NOT NULL, `address` text NULL, `latitude` real NULL, `longitude` real NULL, `s2_cell` integer NULL, `monthly_fee` integer NULL, `inclusive_monthly_fee` integer NULL, `status` text NOT NULL DEFAULT ('OPERATING'), `region_id` integer NOT NULL, CONSTRAINT `institutions_regions_institutions` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "new_institutions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_institutions", 47244640256);
-- Copy rows from old table "institutions" to new temporary table "new_institutions"
INSERT INTO `new_institutions` (`id`, `created_at`, `updated_at`, `opened_at`, `closed_at`, `name`, `credit_code`, `form`, `legal_nature`, `ownership`, `service_modes`, `address`, `latitude`, `longitude`, `status`, `region_id`) SELECT `id`, `created_at`, `updated_at`, `opened_at`, `closed_at`, `name`, `credit_code`, `form`, `legal_nature`, `ownership`, `service_modes`, `address`, `latitude`, `longitude`, `status`, `region_id` FROM `institutions`;
-- Drop "institutions" table after copying rows
DROP TABLE `institutions`;
-- Rename temporary table "new_institutions" to "institutions"
ALTER TABLE `new_institutions` RENAME TO `institutions`;
-- Create index "institutions_credit_code_key" to table: "institutions"
CREATE UNIQUE INDEX `institutions_credit_code_key` ON `institutions` (`credit_code`);
-- Create index "institution_opened_at" to table: "institutions"
CREATE INDEX `institution_opened_at` ON `institutions` (`opened_at`);
-- Create index "institution_closed_at" to table: "institutions"
CREATE INDEX `institution_closed_at` ON `institutions` (`closed_at`);
-- Create index "institution_region_id" to table: "institutions"
CREATE INDEX `institution_region_id` ON `institutions` (`region_id`);
-- Create index "institution_form" to table: "institutions"
CREATE INDEX `institution_form` ON `institutions` (`form`);
-- Create index "institution_s2_cell" to table: "institutions"
CREATE INDEX `institution_s2_cell` ON `institutions` (`s2_cell`);
-- Create "city_evaluations" table
CREATE TABLE `city_evaluations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `submitted_at` datetime NULL, `submitted_by` text NULL, `reviewed_at` datetime NULL, `reviewed_by` text NULL, `scheme_id` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `city_evaluations_evaluation_schemes_scheme` FOREIGN KEY (`scheme_id`) REFERENCES `evaluation_schemes` (`id`) ON DELETE NO ACTION, CONSTRAINT `city_evaluations_regions_region` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "city_evaluations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("city_evaluations", 103079215104);
-- Create index "cityevaluation_region_id_year" to table: "city_evaluations"
CREATE UNIQUE INDEX `cityevaluation_region_id_year` ON `city_evaluations` (`region_id`, `year`);
-- Create "city_evaluation_items" table
CREATE TABLE `city_evaluation_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `self_score` real NULL, `note` text NULL, `evidence` json NULL, `auto_score` real NULL, `auto_basis` text NULL, `review_score` real NULL, `review_comment` text NULL, `override_reason` text NULL, `evaluation_id` integer NOT NULL, `item_id` integer NOT NULL, CONSTRAINT `city_evaluation_items_city_evaluations_items` FOREIGN KEY (`evaluation_id`) REFERENCES `city_evaluations` (`id`) ON DELETE NO ACTION, CONSTRAINT `city_evaluation_items_evaluation_items_item` FOREIGN KEY (`item_id`) REFERENCES `evaluation_items` (`id`) ON DELETE NO ACTION);
-- Set sequence for "city_evaluation_items" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("city_evaluation_items", 107374182400);
-- Create index "cityevaluationitem_evaluation_id_item_id" to table: "city_evaluation_items"
CREATE UNIQUE INDEX `cityevaluationitem_evaluation_id_item_id` ON `city_evaluation_items` (`evaluation_id`, `item_id`);
-- Create "data_chunks" table
CREATE TABLE `data_chunks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `part` text NOT NULL, `seq` integer NOT NULL, `data` blob NOT NULL, `data_job_id` integer NOT NULL, CONSTRAINT `data_chunks_data_jobs_chunks` FOREIGN KEY (`data_job_id`) REFERENCES `data_jobs` (`id`) ON DELETE CASCADE);
-- Set sequence for "data_chunks" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("data_chunks", 111669149696);
-- Create index "datachunk_data_job_id_part_seq" to table: "data_chunks"
CREATE UNIQUE INDEX `datachunk_data_job_id_part_seq` ON `data_chunks` (`data_job_id`, `part`, `seq`);
-- Create "data_jobs" table
CREATE TABLE `data_jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `entity` text NOT NULL, `format` text NOT NULL, `state` text NOT NULL DEFAULT ('QUEUED'), `dry_run` bool NOT NULL DEFAULT (false), `file_name` text NULL, `file_hash` text NULL, `file_size` integer NOT NULL DEFAULT (0), `rows_done` integer NOT NULL DEFAULT (0), `rows_total` integer NOT NULL DEFAULT (0), `created_count` integer NOT NULL DEFAULT (0), `updated_count` integer NOT NULL DEFAULT (0), `unchanged_count` integer NOT NULL DEFAULT (0), `row_errors` json NULL, `error_count` integer NOT NULL DEFAULT (0), `error_message` text NULL, `where_json` blob NULL, `requester_subject` text NOT NULL, `requester_role` text NOT NULL, `requester_region` text NULL, `requester_institution` integer NOT NULL DEFAULT (0), `requester_key_id` text NULL, `created_at` datetime NOT NULL, `started_at` datetime NULL, `finished_at` datetime NULL, `expires_at` datetime NOT NULL);
-- Set sequence for "data_jobs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("data_jobs", 115964116992);
-- Create index "datajob_requester_subject_created_at" to table: "data_jobs"
CREATE INDEX `datajob_requester_subject_created_at` ON `data_jobs` (`requester_subject`, `created_at`);
-- Create index "datajob_expires_at" to table: "data_jobs"
CREATE INDEX `datajob_expires_at` ON `data_jobs` (`expires_at`);
-- Create index "datajob_state" to table: "data_jobs"
CREATE INDEX `datajob_state` ON `data_jobs` (`state`);
-- Create "evaluation_items" table
CREATE TABLE `evaluation_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `section_no` integer NOT NULL, `section_name` text NOT NULL, `section_points` integer NOT NULL, `item_no` integer NOT NULL, `content` text NOT NULL, `points` real NOT NULL, `deduction_rules` text NULL, `auto_rule` text NULL, `scheme_id` integer NOT NULL, CONSTRAINT `evaluation_items_evaluation_schemes_items` FOREIGN KEY (`scheme_id`) REFERENCES `evaluation_schemes` (`id`) ON DELETE NO ACTION);
-- Set sequence for "evaluation_items" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("evaluation_items", 120259084288);
-- Create index "evaluationitem_scheme_id_section_no_item_no" to table: "evaluation_items"
CREATE UNIQUE INDEX `evaluationitem_scheme_id_section_no_item_no` ON `evaluation_items` (`scheme_id`, `section_no`, `item_no`);
-- Create "evaluation_schemes" table
CREATE TABLE `evaluation_schemes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `source` text NULL, `total_points` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `evaluation_schemes_regions_region` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "evaluation_schemes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("evaluation_schemes", 124554051584);
-- Create index "evaluation_schemes_code_key" to table: "evaluation_schemes"
CREATE UNIQUE INDEX `evaluation_schemes_code_key` ON `evaluation_schemes` (`code`);
-- Create "filing_events" table
CREATE TABLE `filing_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL, `date` datetime NOT NULL, `actor_subject` text NULL, `actor_role` text NULL, `note` text NULL, `filing_id` integer NOT NULL, CONSTRAINT `filing_events_filings_events` FOREIGN KEY (`filing_id`) REFERENCES `filings` (`id`) ON DELETE NO ACTION);
-- Set sequence for "filing_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("filing_events", 94489280512);
-- Create index "filingevent_filing_id_date" to table: "filing_events"
CREATE INDEX `filingevent_filing_id_date` ON `filing_events` (`filing_id`, `date`);
-- Create index "filingevent_date" to table: "filing_events"
CREATE INDEX `filingevent_date` ON `filing_events` (`date`);
-- Create "kpi_child_facts" table
CREATE TABLE `kpi_child_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `child_id` integer NOT NULL, `first_entry_exam` datetime NOT NULL);
-- Set sequence for "kpi_child_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_child_facts", 128849018880);
-- Create index "kpichildfact_child_id" to table: "kpi_child_facts"
CREATE UNIQUE INDEX `kpichildfact_child_id` ON `kpi_child_facts` (`child_id`);
-- Create "kpi_daily_checks" table
CREATE TABLE `kpi_daily_checks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `institution_id` integer NOT NULL, `day` datetime NOT NULL, `checked` integer NOT NULL);
-- Set sequence for "kpi_daily_checks" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_daily_checks", 133143986176);
-- Create index "kpidailycheck_institution_id_day" to table: "kpi_daily_checks"
CREATE UNIQUE INDEX `kpidailycheck_institution_id_day` ON `kpi_daily_checks` (`institution_id`, `day`);
-- Create index "kpidailycheck_day" to table: "kpi_daily_checks"
CREATE INDEX `kpidailycheck_day` ON `kpi_daily_checks` (`day`);
-- Create "work_calendar_days" table
CREATE TABLE `work_calendar_days` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `date` datetime NOT NULL, `year` integer NOT NULL, `workday` bool NOT NULL, `name` text NULL);
-- Set sequence for "work_calendar_days" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("work_calendar_days", 98784247808);
-- Create index "workcalendarday_date" to table: "work_calendar_days"
CREATE UNIQUE INDEX `workcalendarday_date` ON `work_calendar_days` (`date`);
-- Create index "workcalendarday_year" to table: "work_calendar_days"
CREATE INDEX `workcalendarday_year` ON `work_calendar_days` (`year`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
