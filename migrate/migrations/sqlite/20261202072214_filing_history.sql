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
-- Create "filing_events" table
CREATE TABLE `filing_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL, `date` datetime NOT NULL, `actor_subject` text NULL, `actor_role` text NULL, `note` text NULL, `filing_id` integer NOT NULL, CONSTRAINT `filing_events_filings_events` FOREIGN KEY (`filing_id`) REFERENCES `filings` (`id`) ON DELETE NO ACTION);
-- Set sequence for "filing_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("filing_events", 94489280512);
-- Create index "filingevent_filing_id_date" to table: "filing_events"
CREATE INDEX `filingevent_filing_id_date` ON `filing_events` (`filing_id`, `date`);
-- Create index "filingevent_date" to table: "filing_events"
CREATE INDEX `filingevent_date` ON `filing_events` (`date`);
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
