from __future__ import annotations

from enum import StrEnum


class Qualification(StrEnum):
    DIRECT = "Direct"
    MARKETING_QUALIFIED = "MarketingQualified"
    SALES_QUALIFIED = "SalesQualified"

    @property
    def category(self) -> Category:
        return Category.MARKETPLACE if self is Qualification.DIRECT else Category.QUALIFIED


class Category(StrEnum):
    MARKETPLACE = "marketplace"
    QUALIFIED = "qualified"


class Stage(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    ARCHIVED = "archived"


class Status(StrEnum):
    NEW = "New"
    ACTIVE = "Active"
    CLOSED = "Closed"


class Substatus(StrEnum):
    RECEIVED = "Received"
    ACCEPTED = "Accepted"
    WON = "Won"
    LOST = "Lost"
    DECLINED = "Declined"
    EXPIRED = "Expired"


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    EDIT = "edit"
    ADD_TEAM_MEMBER = "addTeamMember"
    WIN = "win"
    LOSE = "lose"
    FAVORITE = "favorite"
    ASSIGN = "assign"
    REMOVE_TEAM_MEMBER = "removeTeamMember"


class DeclineReason(StrEnum):
    CUSTOMER_PROBLEM_UNCLEAR = "CustomerProblemUnclear"
    NEXT_STEPS_UNCLEAR = "NextStepsUnclear"
    UNABLE_TO_SUPPORT = "UnableToSupport"
    DUPLICATE_REFERRAL = "DuplicateReferral"
    NOT_A_FIT = "NotAFit"
    OTHER = "Other"


class LostReason(StrEnum):
    PRICE = "Price"
    CHOSE_COMPETITOR = "ChoseCompetitor"
    NO_BUDGET = "NoBudget"
    NO_DECISION = "NoDecision"
    TIMING = "Timing"
    TECHNICAL_FIT = "TechnicalFit"
    CUSTOMER_UNRESPONSIVE = "CustomerUnresponsive"
    OTHER = "Other"


class CustomerSize(StrEnum):
    SMALL = "1to50employees"
    MEDIUM = "51to500employees"
    LARGE = "Morethan500employees"


class ContactAlert(StrEnum):
    URGENT = "urgent"
    REMINDER = "reminder"


class EventType(StrEnum):
    RECEIVED = "referral.received"
    REMINDER = "referral.reminder"
    ACCEPTED = "referral.accepted"
    UPDATED = "referral.updated"  # edit, assign, team
    DECLINED = "referral.declined"
    EXPIRED = "referral.expired"
    WON = "referral.won"
    LOST = "referral.lost"
    TEST = "webhook.test"  # a partner checking its endpoint; about no referral


class ListOrder(StrEnum):
    """Sort orders of the listing; ties always break by id, so paging stays stable."""

    CREATED_DESC = "createdDateTime desc"
    CREATED_ASC = "createdDateTime asc"
    EXPIRATION_ASC = "expirationDateTime asc"  # received referrals
    CLOSING_ASC = "closingDate asc"  # accepted referrals
    VALUE_DESC = "dealValue desc"  # accepted referrals
    FIT_DESC = "fit desc"  # received referrals: best fit first, to choose what to take
