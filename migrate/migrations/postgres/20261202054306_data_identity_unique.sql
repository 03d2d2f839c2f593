-- Drop index "child_id_number_hash" from table: "children"
DROP INDEX "child_id_number_hash";
-- Modify "children" table
ALTER TABLE "children" ADD COLUMN "id_document_type" character varying NULL, ADD COLUMN "registered_by_institution_id" bigint NULL;
-- Create index "child_id_number_hash" to table: "children"
CREATE UNIQUE INDEX "child_id_number_hash" ON "children" ("id_number_hash");
-- Create index "child_registered_by_institution_id" to table: "children"
CREATE INDEX "child_registered_by_institution_id" ON "children" ("registered_by_institution_id");
-- Create index "healthrecord_institution_id_child_id_kind_date_session" to table: "health_records"
CREATE UNIQUE INDEX "healthrecord_institution_id_child_id_kind_date_session" ON "health_records" ("institution_id", "child_id", "kind", "date", "session");
