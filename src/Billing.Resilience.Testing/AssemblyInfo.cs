namespace Billing.Resilience.Testing;
