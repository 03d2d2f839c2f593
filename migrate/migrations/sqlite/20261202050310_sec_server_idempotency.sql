-- Create "idempotency_records" table
CREATE TABLE `idempotency_records` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `principal` text NOT NULL, `key` text NOT NULL, `document_hash` text NOT NULL, `variables_hash` text NOT NULL, `response` blob NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL);
-- Set sequence for "idempotency_records" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_records", 90194313216);
-- Create index "idempotencyrecord_principal_key" to table: "idempotency_records"
CREATE UNIQUE INDEX `idempotencyrecord_principal_key` ON `idempotency_records` (`principal`, `key`);
-- Create index "idempotencyrecord_expires_at" to table: "idempotency_records"
CREATE INDEX `idempotencyrecord_expires_at` ON `idempotency_records` (`expires_at`);
