-- Add column "receipt_number" to table: "filings"
ALTER TABLE `filings` ADD COLUMN `receipt_number` text NULL;
