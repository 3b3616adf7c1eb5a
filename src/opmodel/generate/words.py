"""The words generated models are made of: names of stages, capabilities, units, vendors…"""

from __future__ import annotations

STAGE_NAMES = ("Market", "Sell", "Onboard", "Deliver", "Bill", "Support", "Retain", "Partner",
               "Plan", "Source", "Make", "Distribute")
CAPABILITY_NOUNS = (
    "Customer data", "Order management", "Pricing", "Quoting", "Campaign management",
    "Content management", "Identity and access", "Contract management", "Fulfilment",
    "Logistics", "Invoicing", "Payments", "Collections", "Case management",
    "Knowledge management", "Field service", "Loyalty", "Analytics", "Forecasting",
    "Product catalogue", "Partner management", "Procurement", "Inventory", "Scheduling",
    "Quality management", "Risk management", "Compliance", "Reporting", "Self-service",
    "Document management", "Workforce management", "Consent management",
)
ASPECTS = ("intake", "processing", "monitoring", "automation", "reporting", "governance",
           "integration", "self-service", "planning", "exceptions")
REGIONS = ("North", "South", "East", "West", "Central", "Nordics", "Iberia", "Benelux",
           "Alps", "Baltics")
DIVISIONS = ("Retail", "Wholesale", "Services", "Industrial", "Consumer", "Energy",
             "Health", "Public")
SURNAMES = ("lee", "diaz", "novak", "smith", "kim", "rossi", "muller", "dubois", "silva",
            "tanaka", "olsen", "garcia", "khan", "nowak", "ivanova", "brown")
VENDORS = ("SAP", "Salesforce", "Microsoft", "Oracle", "ServiceNow", "Workday", "Adobe",
           "Infor", "IBM", "Atlassian", "HubSpot", "Zendesk", "in-house")
PRODUCTS = ("Hub", "Suite", "Portal", "Engine", "Desk", "Cloud", "Manager", "Tracker",
            "Workbench", "Connect", "Studio", "Gateway")
SEGMENTS = ("Consumers", "Small businesses", "Enterprises", "Public sector", "Partners",
            "Wholesale buyers")
VERBS = {"run": ("Upgrade", "Patch", "Renew", "Stabilise"),
         "grow": ("Extend", "Improve", "Automate", "Integrate"),
         "transform": ("Replace", "Re-platform", "Digitise", "Reinvent")}
OBJECTIVES = ("Grow revenue", "Keep our customers", "Lower the cost to serve",
              "Enter new markets", "Comply with regulation", "Faster time to market",
              "Improve margins", "Simplify the application landscape", "Digital sales share",
              "Employee productivity")
EXPECTATIONS = ("A correct answer the first time", "Fast delivery", "One place to get help",
                "Clear and simple bills", "Self-service at any hour", "Personal offers",
                "Easy onboarding", "Reliable service", "Transparent prices",
                "Proactive updates")

KIND_P = (0.3, 0.4, 0.3)  # run, grow, transform
KIND_NAMES = ("run", "grow", "transform")
POOLS = ("enterprise", "transformation")  # run and grow draw on the first, transform on the second


__all__ = ["ASPECTS", "CAPABILITY_NOUNS", "DIVISIONS", "EXPECTATIONS", "KIND_NAMES", "KIND_P",
           "OBJECTIVES", "POOLS", "PRODUCTS", "REGIONS", "SEGMENTS", "STAGE_NAMES", "SURNAMES",
           "VENDORS", "VERBS"]
