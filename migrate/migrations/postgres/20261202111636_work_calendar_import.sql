-- Modify "data_jobs" table
ALTER TABLE "data_jobs" ADD COLUMN "deleted_count" bigint NOT NULL DEFAULT 0;
