from django.contrib.auth import views as auth_views
from django.urls import include, path

from creditpilot.web import (
    customers,
    decisions,
    disputes,
    dunning,
    forecast,
    imports,
    limits,
    plans,
    policy,
    provisions,
    steering,
    strategies,
    tokens,
    views,
)

company_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/", customers.customer_list, name="customers"),
    # customer codes come from accounting exports and may hold a "/": the actions on a
    # customer are matched before the customer page itself
    path("customers/<path:code>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<path:code>/notes/", customers.customer_note, name="customer_note"),
    path("customers/<path:code>/limit/", limits.limit_request, name="limit_request"),
    path("customers/<path:code>/cover/", limits.cover_edit, name="cover_edit"),
    path("customers/<path:code>/decide/", decisions.decide, name="decide"),
    path("customers/<path:code>/plans/", plans.plan_add, name="plan_add"),
    path("customers/<path:code>/plans/<int:plan>/letter/", plans.plan_letter, name="plan_letter"),
    path("customers/<path:code>/cases/<int:case>/claim/", plans.case_claim, name="case_claim"),
    path("customers/<path:code>/cases/", plans.case_action, name="case_action"),
    path(
        "customers/<path:code>/financials/delete/",
        customers.statement_delete,
        name="statement_delete",
    ),
    path("customers/<path:code>/financials/", customers.statement_save, name="statement_save"),
    path(
        "customers/<path:code>/collection/",
        dunning.customer_collection,
        name="customer_collection",
    ),
    path(
        "customers/<path:code>/statement.pdf",
        customers.customer_statement,
        name="customer_statement",
    ),
    path("customers/<path:code>/", customers.customer_detail, name="customer"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:job>/", imports.import_detail, name="import"),
    path("imports/<int:job>/status/", imports.import_status, name="import_status"),
    path("worklist/", dunning.worklist_page, name="worklist"),
    path("alerts/", limits.alerts_page, name="alerts"),
    path("provisions/", provisions.provisions_page, name="provisions"),
    path("forecast/", forecast.forecast_page, name="forecast"),
    path("disputes/", disputes.disputes_page, name="disputes"),
    path("decisions/", decisions.decisions_page, name="decisions"),
    path("disputes/<int:dispute>/", disputes.dispute_settle, name="dispute_settle"),
    path("provisions/approve/", provisions.provisions_approve, name="provisions_approve"),
    path("provisions/<str:month>/fec/", provisions.provisions_download, name="provisions_download"),
    path("tasks/<int:task>/outcome/", dunning.task_outcome, name="task_outcome"),
    path("messages/<int:message>/pdf/", dunning.message_pdf, name="message_pdf"),
    path("letters.pdf", dunning.letters_pdf, name="letters_pdf"),
    path("strategies/", strategies.strategy_list, name="strategies"),
    path("strategies/<int:strategy>/", strategies.strategy_detail, name="strategy"),
    path(
        "wording/<slug:key>/<str:language>/<str:variant>/",
        strategies.template_edit,
        name="template_edit",
    ),
    path("settings/", views.company_settings, name="settings"),
    path("settings/policy/", policy.policy_edit, name="policy_edit"),
    path("settings/reports/", views.schedule_add, name="schedule_add"),
    path("settings/reports/<int:schedule>/stop/", views.schedule_stop, name="schedule_stop"),
    path("reports/", steering.reports_page, name="reports"),
    path("reports/monthly/", steering.monthly_report, name="monthly_report"),
    path("reports/d441-6/", steering.statutory_table, name="statutory_table"),
    path("audit/", views.audit_log, name="audit"),
    path("users/", views.users, name="users"),
    path("users/<str:username>/revoke/", views.revoke, name="revoke"),
    path("tokens/<int:token>/revoke/", tokens.revoke_token, name="revoke_token"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="language"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("c/<str:company>/", include(company_patterns)),
]
