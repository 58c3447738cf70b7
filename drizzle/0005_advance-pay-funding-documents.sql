CREATE TABLE "advance_pay_funding_documents" (
	"reference" text PRIMARY KEY NOT NULL,
	"payer_account_id" text NOT NULL,
	"amount" numeric(14, 2) NOT NULL,
	"method" text NOT NULL,
	"issued_on" date NOT NULL,
	"status" text DEFAULT 'issued' NOT NULL,
	"funded_on" date,
	"funded_amount" numeric(14, 2),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "advance_pay_documents_method_ck" CHECK ("advance_pay_funding_documents"."method" in ('us-bank-transfer', 'eft')),
	CONSTRAINT "advance_pay_documents_status_ck" CHECK ("advance_pay_funding_documents"."status" in ('issued', 'funded')),
	CONSTRAINT "advance_pay_documents_amount_ck" CHECK ("advance_pay_funding_documents"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "advance_pay_accounts" ADD COLUMN "registered_on" date;--> statement-breakpoint
ALTER TABLE "advance_pay_funding_documents" ADD CONSTRAINT "advance_pay_funding_documents_payer_account_id_advance_pay_accounts_payer_account_id_fk" FOREIGN KEY ("payer_account_id") REFERENCES "public"."advance_pay_accounts"("payer_account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "advance_pay_documents_payer_idx" ON "advance_pay_funding_documents" USING btree ("payer_account_id","issued_on");