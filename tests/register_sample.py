"""A small hand-built register of information: two functions, three providers (two with an LEI,
one identified by its VAT number), a subsequent arrangement under an overarching one, a closed
engagement, and two engagements that must stay out (a draft, one that ended the year before)."""
from datetime import UTC, date, datetime
from decimal import Decimal

from vendortrack.domain.register_of_information import (
    Arrangement,
    Function,
    Organisation,
    Provider,
    build_register,
)

REFERENCE_DATE = date(2025, 12, 31)
CREATED_AT = datetime(2026, 1, 15, 9, 30, 5, 123000, tzinfo=UTC)

ORGANISATION = Organisation(lei="5299000J2N45DDNE4Y28", country="IE")

PAYMENTS = Function(1, 1, "Payments processing", criticality="critical",
                    criticality_reasons="Customer payments stop without it.",
                    assessed_on=date(2025, 3, 1), rto_hours=4, rpo_hours=1, impact="high",
                    licensed_activity="eba_TA:x28")
REPORTING = Function(2, 2, "Internal reporting", criticality="not_critical",
                     criticality_reasons="Not shown: the function is not critical.",
                     assessed_on=date(2025, 3, 1), rto_hours=72, rpo_hours=24, impact="low")
UNUSED_FUNCTION = Function(3, 3, "Canteen menu", criticality="not_critical")
FUNCTIONS = (PAYMENTS, REPORTING, UNUSED_FUNCTION)

NORTHWIND = Provider(1, "Northwind Cloud", legal_name="Northwind Cloud Services Ltd",
                     lei="529900D6BF99LW9R2E68", other_code="IE6388047V",
                     other_code_type="vat", person_type="legal_person", country="IE",
                     parent_code="HWUPKR0MPOU8FGXBT394", parent_code_type="lei")
KESTREL = Provider(2, "Kestrel", legal_name="Kestrel Consulting GmbH",
                   other_code="DE129273398", other_code_type="vat",
                   person_type="legal_person", country="DE")
NORTHWIND_HOLDINGS = Provider(3, "Northwind Holdings", legal_name="Northwind Holdings Inc.",
                              lei="HWUPKR0MPOU8FGXBT394", person_type="legal_person",
                              country="US")
UNUSED_PROVIDER = Provider(4, "Quiet vendor", legal_name="Quiet Ltd", country="FR")
PROVIDERS = (NORTHWIND, KESTREL, NORTHWIND_HOLDINGS, UNUSED_PROVIDER)

CORE_HOSTING = Arrangement(
    1, "Core hosting", reference="NW-2023-01", status="active", provider_id=1, function_id=1,
    arrangement_type="overarching", ict_service_type="cloud_iaas",
    start_date=date(2023, 1, 1), notice_days_organisation=90, notice_days_provider=180,
    governing_law_country="IE", service_countries=("NL", "IE"), storage_countries=("IE",),
    processing_countries=("IE",), annual_expense=Decimal("120000.00"), currency="EUR",
    last_audit_on=date(2025, 6, 30), substitutability="highly_complex",
    non_substitutability_reason="both", exit_plan_documented=True,
    reintegration="highly_complex", discontinuation_impact="high", alternatives="yes",
    alternative_providers=("Stratus Cloud", "Blue Harbor"))
PAYMENTS_API = Arrangement(
    2, "Payments API platform", reference="NW-2024-07", status="in_handover", provider_id=1,
    function_id=1, arrangement_type="subsequent", overarching_reference="NW-2023-01",
    ict_service_type="cloud_paas", start_date=date(2024, 7, 1), end_date=date(2026, 6, 30),
    notice_days_organisation=60, notice_days_provider=90, governing_law_country="IE",
    service_countries=("IE",), stores_data=False, processing_countries=("DE",),
    annual_expense=Decimal("30000.00"), currency="EUR", last_audit_on=date(2025, 9, 1),
    substitutability="medium", exit_plan_documented=False, reintegration="difficult",
    discontinuation_impact="medium", alternatives="not_assessed")
DASHBOARD_BUILD = Arrangement(
    3, "Reporting dashboard build", reference="KC-2025-02", status="closed", provider_id=2,
    function_id=2, arrangement_type="standalone", ict_service_type="development",
    start_date=date(2025, 2, 1), end_date=date(2025, 9, 30), termination_reason="expired",
    annual_expense=Decimal("45000.50"), currency="EUR")
DRAFT = Arrangement(4, "Data lake pilot", reference="DL-1", status="draft", provider_id=4,
                    function_id=3)
ENDED_BEFORE = Arrangement(5, "Old archive", reference="OA-1", status="closed", provider_id=4,
                           function_id=3, start_date=date(2020, 1, 1),
                           end_date=date(2024, 12, 31), termination_reason="expired")
ARRANGEMENTS = (CORE_HOSTING, PAYMENTS_API, DASHBOARD_BUILD, DRAFT, ENDED_BEFORE)


def sample_register(arrangements=ARRANGEMENTS, providers=PROVIDERS, functions=FUNCTIONS,
                    organisation=ORGANISATION, reference_date=REFERENCE_DATE):
    return build_register(organisation, arrangements, providers, functions, reference_date)
