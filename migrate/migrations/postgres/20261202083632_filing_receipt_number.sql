-- Modify "filings" table
ALTER TABLE "filings" ADD COLUMN "receipt_number" character varying NULL;
