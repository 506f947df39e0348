using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Billing.Resilience.Tests")]
