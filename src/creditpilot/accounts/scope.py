"""Every query of a page or an API route starts here, so no view can forget the scoping.

A ``Scope`` is one user in one company with one role. It hands out the
querysets the user may see (the company's customers, restricted to the sales
rep's own for the sales role; their documents, imports, notes) and answers
whether an action is allowed. A company the user is not granted, or an object
outside the scope, is a 404 — the same answer as for something that does not
exist, so nothing leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from creditpilot.accounts.models import Membership
from creditpilot.accounts.rights import Action, Role, can, sees_own_customers_only
from creditpilot.companies.models import Company
from creditpilot.customers.models import Customer, Note
from creditpilot.receivables.models import Allocation, Document, ImportBatch


@dataclass(frozen=True)
class Scope:
    user: Any
    company: Company
    role: Role
    sales_rep: str = ""

    @property
    def own_customers_only(self) -> bool:
        return sees_own_customers_only(self.role)

    def can(self, action: Action) -> bool:
        return can(self.role, action)

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PermissionDenied(action.value)

    def customer_filter(self, prefix: str = "") -> dict[str, object]:
        """Keyword filters restricting a model related to customers (``prefix`` = path to it)."""
        filters: dict[str, object] = {f"{prefix}company": self.company}
        if self.own_customers_only:
            filters[f"{prefix}sales_rep"] = self.sales_rep
        return filters

    def customers(self) -> QuerySet[Customer]:
        return Customer.objects.filter(**self.customer_filter())

    def customer(self, code: str) -> Customer:
        # raw: the ORM takes longer to build this query than SQLite to answer it, and every
        # customer page and route asks it (the credit check answers an order system that waits)
        sql = f"SELECT * FROM {Customer._meta.db_table} WHERE company_id = %s AND code = %s"
        params: list[object] = [self.company.pk, code]
        if self.own_customers_only:
            sql += " AND sales_rep = %s"
            params.append(self.sales_rep)
        found = next(iter(Customer.objects.raw(sql, params)), None)
        if found is None:
            raise Http404("customer")
        return found

    def documents(self) -> QuerySet[Document]:
        qs = Document.objects.filter(company=self.company)
        if self.own_customers_only:
            qs = qs.filter(customer__sales_rep=self.sales_rep)
        return qs

    def allocations(self) -> QuerySet[Allocation]:
        qs = Allocation.objects.filter(company=self.company)
        if self.own_customers_only:
            qs = qs.filter(customer__sales_rep=self.sales_rep)
        return qs

    def notes(self) -> QuerySet[Note]:
        return Note.objects.filter(**self.customer_filter("customer__"))

    def imports(self) -> QuerySet[ImportBatch]:
        # imports concern the whole ledger: not for a role restricted to its own customers
        if self.own_customers_only:
            return ImportBatch.objects.none()
        return ImportBatch.objects.filter(company=self.company)


def memberships_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("company")


def scope_for(user: AbstractBaseUser | AnonymousUser, company_code: str) -> Scope:
    """The user's scope in a company, or 404 when the company is not granted (or absent)."""
    membership = memberships_of(user).filter(company__code=company_code).first()
    if membership is None:
        raise Http404("company")
    return Scope(user, membership.company, Role(membership.role), membership.sales_rep)
