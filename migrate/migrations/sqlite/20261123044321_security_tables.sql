-- Create "api_keys" table
CREATE TABLE `api_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key_id` text NOT NULL, `secret_hash` text NOT NULL, `name` text NOT NULL, `role` text NOT NULL, `region_code` text NOT NULL, `created_at` datetime NOT NULL, `revoked_at` datetime NULL);
-- Set sequence for "api_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("api_keys", 81604378624);
-- Create index "api_keys_key_id_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_key_id_key` ON `api_keys` (`key_id`);
-- Create "audit_logs" table
CREATE TABLE `audit_logs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `subject` text NOT NULL, `role` text NOT NULL, `region_code` text NULL, `institution_id` integer NULL, `operation` text NULL, `document_hash` text NOT NULL, `entity_type` text NOT NULL, `entity_ids` json NOT NULL, `fields` json NOT NULL);
-- Set sequence for "audit_logs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("audit_logs", 85899345920);
-- Create index "auditlog_at" to table: "audit_logs"
CREATE INDEX `auditlog_at` ON `audit_logs` (`at`);
-- Create index "auditlog_subject" to table: "audit_logs"
CREATE INDEX `auditlog_subject` ON `audit_logs` (`subject`);
