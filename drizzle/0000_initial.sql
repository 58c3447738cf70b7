CREATE TABLE "advance_pay_accounts" (
	"payer_account_id" text PRIMARY KEY NOT NULL,
	"balance" numeric(14, 2) DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "advance_pay_balance_ck" CHECK ("advance_pay_accounts"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "advance_pay_applications" (
	"invoice_id" text PRIMARY KEY NOT NULL,
	"payer_account_id" text NOT NULL,
	"amount" numeric(14, 2) NOT NULL,
	"on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "advance_pay_fundings" (
	"key" text PRIMARY KEY NOT NULL,
	"payer_account_id" text NOT NULL,
	"amount" numeric(14, 2) NOT NULL,
	"method" text NOT NULL,
	"on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "advance_pay_fundings_method_ck" CHECK ("advance_pay_fundings"."method" in ('us-bank-transfer', 'eft')),
	CONSTRAINT "advance_pay_fundings_amount_ck" CHECK ("advance_pay_fundings"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "api_idempotency" (
	"caller_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer NOT NULL,
	"body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_idempotency_caller_id_key_pk" PRIMARY KEY("caller_id","key")
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"seq" integer NOT NULL,
	"key" text,
	"target_tier" text NOT NULL,
	"fee_account_id" text NOT NULL,
	"submitted_on" date NOT NULL,
	"submitted_by" text NOT NULL,
	"status" text DEFAULT 'submitted' NOT NULL,
	"gaps" jsonb,
	"decided_on" date,
	"ebr_window" text,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applications_key_uq" UNIQUE("key"),
	CONSTRAINT "applications_status_ck" CHECK ("applications"."status" in ('submitted', 'in-progress', 'approved', 'rejected', 'withdrawn')),
	CONSTRAINT "applications_target_tier_ck" CHECK ("applications"."target_tier" in ('select', 'advanced', 'premier')),
	CONSTRAINT "applications_fee_account_ck" CHECK ("applications"."fee_account_id" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "audit_records" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"partner_id" text NOT NULL,
	"from_tier" text NOT NULL,
	"to_tier" text NOT NULL,
	"on" date NOT NULL,
	"reason" text NOT NULL,
	"by" text NOT NULL,
	"case_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_records_key_uq" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"partner_id" text NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"opened_on" date NOT NULL,
	"target_tier" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"outcome" text,
	"closed_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_key_uq" UNIQUE("key"),
	CONSTRAINT "cases_kind_ck" CHECK ("cases"."kind" in ('downgrade', 'cancellation')),
	CONSTRAINT "cases_reason_ck" CHECK ("cases"."reason" in ('fee-unpaid', 'non-compliant', 'cancellation-requested')),
	CONSTRAINT "cases_status_ck" CHECK ("cases"."status" in ('open', 'closed')),
	CONSTRAINT "cases_target_tier_ck" CHECK ("cases"."target_tier" in ('registered', 'select', 'advanced', 'premier'))
);
--> statement-breakpoint
CREATE TABLE "evidence_versions" (
	"partner_id" text NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"recorded_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evidence_versions_partner_id_version_pk" PRIMARY KEY("partner_id","version")
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" serial PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"account_id" text NOT NULL,
	"invited_on" date NOT NULL,
	"expires_on" date NOT NULL,
	"status" text DEFAULT 'invited' NOT NULL,
	"responded_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_status_ck" CHECK ("invitations"."status" in ('invited', 'accepted', 'declined', 'expired')),
	CONSTRAINT "invitations_account_ck" CHECK ("invitations"."account_id" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"membership_year" integer NOT NULL,
	"reason" text NOT NULL,
	"amount" numeric(14, 2) NOT NULL,
	"vat_amount" numeric(14, 2) DEFAULT 0 NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"payer_account_id" text NOT NULL,
	"issued_on" date NOT NULL,
	"due_on" date NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"paid_on" date,
	"paid_via" text,
	"voided_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_reason_ck" CHECK ("invoices"."reason" in ('renewal', 'upgrade')),
	CONSTRAINT "invoices_status_ck" CHECK ("invoices"."status" in ('open', 'paid', 'voided')),
	CONSTRAINT "invoices_paid_via_ck" CHECK ("invoices"."paid_via" is null or "invoices"."paid_via" in ('payment', 'advance-pay')),
	CONSTRAINT "invoices_currency_ck" CHECK ("invoices"."currency" = 'USD'),
	CONSTRAINT "invoices_amounts_ck" CHECK ("invoices"."amount" >= 0 and "invoices"."vat_amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"key" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"kind" text NOT NULL,
	"recipient" text NOT NULL,
	"payload" jsonb NOT NULL,
	"on" date NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"sent_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_status_ck" CHECK ("notifications"."status" in ('pending', 'sent'))
);
--> statement-breakpoint
CREATE TABLE "organization_members" (
	"account_id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"joined_on" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organization_members_account_ck" CHECK ("organization_members"."account_id" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"management_account_id" text NOT NULL,
	"reseller" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_management_uq" UNIQUE("management_account_id"),
	CONSTRAINT "organizations_management_ck" CHECK ("organizations"."management_account_id" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"track" text NOT NULL,
	"tier" text NOT NULL,
	"renewal_date" text NOT NULL,
	"country" text NOT NULL,
	"fee_account_id" text,
	"alliance_lead_id" text NOT NULL,
	"partner_manager_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"at_risk" boolean DEFAULT false NOT NULL,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"next_ebr_window" text,
	"evidence_version" integer DEFAULT 0 NOT NULL,
	"registration" jsonb NOT NULL,
	"application_seq" integer DEFAULT 0 NOT NULL,
	"case_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "partners_track_ck" CHECK ("partners"."track" in ('consulting', 'technology')),
	CONSTRAINT "partners_tier_ck" CHECK ("partners"."tier" in ('registered', 'select', 'advanced', 'premier')),
	CONSTRAINT "partners_renewal_date_ck" CHECK ("partners"."renewal_date" ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
	CONSTRAINT "partners_country_ck" CHECK ("partners"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "partners_fee_account_ck" CHECK ("partners"."fee_account_id" is null or "partners"."fee_account_id" ~ '^[0-9]{12}$')
);
--> statement-breakpoint
ALTER TABLE "advance_pay_applications" ADD CONSTRAINT "advance_pay_applications_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "advance_pay_applications" ADD CONSTRAINT "advance_pay_applications_payer_account_id_advance_pay_accounts_payer_account_id_fk" FOREIGN KEY ("payer_account_id") REFERENCES "public"."advance_pay_accounts"("payer_account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "advance_pay_fundings" ADD CONSTRAINT "advance_pay_fundings_payer_account_id_advance_pay_accounts_payer_account_id_fk" FOREIGN KEY ("payer_account_id") REFERENCES "public"."advance_pay_accounts"("payer_account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_records" ADD CONSTRAINT "audit_records_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_records" ADD CONSTRAINT "audit_records_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_versions" ADD CONSTRAINT "evidence_versions_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "advance_pay_fundings_payer_idx" ON "advance_pay_fundings" USING btree ("payer_account_id","on");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_partner_seq_uq" ON "applications" USING btree ("partner_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_one_open_uq" ON "applications" USING btree ("partner_id") WHERE "applications"."status" in ('submitted', 'in-progress');--> statement-breakpoint
CREATE INDEX "applications_ebr_idx" ON "applications" USING btree ("ebr_window");--> statement-breakpoint
CREATE INDEX "audit_records_partner_idx" ON "audit_records" USING btree ("partner_id","seq");--> statement-breakpoint
CREATE INDEX "cases_partner_idx" ON "cases" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_pending_uq" ON "invitations" USING btree ("organization_id","account_id") WHERE "invitations"."status" = 'invited';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_partner_year_live_uq" ON "invoices" USING btree ("partner_id","membership_year") WHERE "invoices"."status" <> 'voided';--> statement-breakpoint
CREATE INDEX "notifications_partner_idx" ON "notifications" USING btree ("partner_id","on");--> statement-breakpoint
CREATE INDEX "notifications_pending_idx" ON "notifications" USING btree ("on") WHERE "notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "partners_tier_idx" ON "partners" USING btree ("tier");--> statement-breakpoint
CREATE INDEX "partners_renewal_idx" ON "partners" USING btree ("renewal_date");--> statement-breakpoint
CREATE INDEX "partners_ebr_idx" ON "partners" USING btree ("next_ebr_window");--> statement-breakpoint
CREATE INDEX "partners_managers_idx" ON "partners" USING gin ("partner_manager_ids");