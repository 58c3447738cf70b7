CREATE TABLE "consolidated_bills" (
	"organization_id" text NOT NULL,
	"month" text NOT NULL,
	"partner_id" text NOT NULL,
	"payer_account_id" text NOT NULL,
	"usage_cents" bigint NOT NULL,
	"discount_cents" bigint NOT NULL,
	"total_cents" bigint NOT NULL,
	"lines" jsonb NOT NULL,
	"issued_on" date NOT NULL,
	"status" text DEFAULT 'issued' NOT NULL,
	"paid_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consolidated_bills_organization_id_month_pk" PRIMARY KEY("organization_id","month"),
	CONSTRAINT "consolidated_bills_status_ck" CHECK ("consolidated_bills"."status" in ('issued', 'paid')),
	CONSTRAINT "consolidated_bills_total_ck" CHECK ("consolidated_bills"."total_cents" = "consolidated_bills"."usage_cents" - "consolidated_bills"."discount_cents")
);
--> statement-breakpoint
CREATE TABLE "reseller_enrolments" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"discount_basis_points" integer DEFAULT 0 NOT NULL,
	"billing_from" text NOT NULL,
	"enrolled_on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reseller_enrolments_discount_ck" CHECK ("reseller_enrolments"."discount_basis_points" between 0 and 10000),
	CONSTRAINT "reseller_enrolments_month_ck" CHECK ("reseller_enrolments"."billing_from" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')
);
--> statement-breakpoint
CREATE TABLE "reseller_invoices" (
	"organization_id" text NOT NULL,
	"month" text NOT NULL,
	"account_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"usage_cents" bigint NOT NULL,
	"amount_cents" bigint NOT NULL,
	"issued_on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reseller_invoices_organization_id_month_account_id_pk" PRIMARY KEY("organization_id","month","account_id"),
	CONSTRAINT "reseller_invoices_amount_ck" CHECK ("reseller_invoices"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"account_id" text NOT NULL,
	"month" text NOT NULL,
	"organization_id" text NOT NULL,
	"items" jsonb NOT NULL,
	"total_cents" bigint NOT NULL,
	"recorded_on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_records_account_id_month_pk" PRIMARY KEY("account_id","month"),
	CONSTRAINT "usage_records_account_ck" CHECK ("usage_records"."account_id" ~ '^[0-9]{12}$'),
	CONSTRAINT "usage_records_month_ck" CHECK ("usage_records"."month" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
	CONSTRAINT "usage_records_total_ck" CHECK ("usage_records"."total_cents" >= 0)
);
--> statement-breakpoint
ALTER TABLE "consolidated_bills" ADD CONSTRAINT "consolidated_bills_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consolidated_bills" ADD CONSTRAINT "consolidated_bills_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reseller_enrolments" ADD CONSTRAINT "reseller_enrolments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reseller_enrolments" ADD CONSTRAINT "reseller_enrolments_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reseller_invoices" ADD CONSTRAINT "reseller_invoices_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reseller_invoices" ADD CONSTRAINT "reseller_invoices_bill_fk" FOREIGN KEY ("organization_id","month") REFERENCES "public"."consolidated_bills"("organization_id","month") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reseller_invoices_account_idx" ON "reseller_invoices" USING btree ("account_id","month");--> statement-breakpoint
CREATE INDEX "usage_records_org_month_idx" ON "usage_records" USING btree ("organization_id","month");