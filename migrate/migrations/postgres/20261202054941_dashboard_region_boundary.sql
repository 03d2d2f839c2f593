-- Modify "regions" table
ALTER TABLE "regions" ADD COLUMN "boundary" text NULL;
