using Microsoft.Extensions.Hosting;

namespace Billing.Resilience.Hosting;

/// <summary>Builds the engine when the host starts: recovery reads the journal once, before the first request, and a bad configuration stops the start.</summary>
internal sealed class EngineStartupService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => services.GetBillingEngineAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
