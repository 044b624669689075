using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>What `fleet status` shows for one registered device: its newest retained status (null: none on any endpoint).</summary>
public sealed record FleetDeviceStatus(DeviceRecord Device, DeviceStatusRecord? Status);

/// <summary>`fleet status`: every endpoint read, the per-endpoint errors, and one row per registered device.</summary>
public sealed record FleetStatusResult(IReadOnlyList<FleetDeviceStatus> Devices, IReadOnlyList<string> EndpointsRead, IReadOnlyList<string> EndpointErrors);

/// <summary>
/// `fleet status`: reads the retained devices/&lt;id&gt;/status of every registered device as the fleet's operator, from
/// EVERY primary endpoint of fleet.json (on RabbitMQ 3.10 retained messages are node-local: a device's status sits on
/// the node it last published to), and keeps per device the newest record. "Newest" is decided by the status itself
/// where it can be (an online record beats an offline one from another node only if nothing better orders them: the
/// last one received wins among equals), since MQTT carries no timestamp.
/// </summary>
public static class FleetStatusReader
{
    public static async Task<FleetStatusResult> ReadAsync(FleetDirectory fleet, TimeSpan? settle = null, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        var devices = fleet.Registry.Load().Devices.Where(d => d.State == DeviceState.Active).ToList();
        var ids = devices.Select(d => d.Id).ToList();
        var read = new List<string>();
        var errors = new List<string>();
        var newest = new Dictionary<string, DeviceStatusRecord>(StringComparer.Ordinal);
        foreach (string endpoint in fleet.Settings.PrimaryEndpoints)
        {
            try
            {
                await using var session = await OperatorSession.ConnectAsync(fleet, endpoint, timeout ?? TimeSpan.FromSeconds(15), cancel).ConfigureAwait(false);
                await session.SubscribeStatusAsync(ids, timeout ?? TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false);
                // Retained messages follow each SUBACK; give the last packet's deliveries a moment to arrive.
                await Task.Delay(settle ?? TimeSpan.FromMilliseconds(500), cancel).ConfigureAwait(false);
                foreach (var (id, record) in session.Status)
                    if (!newest.TryGetValue(id, out var seen) || Newer(record, seen, devices))
                        newest[id] = record;
                read.Add(endpoint);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                errors.Add($"{endpoint}: {ex.GetBaseException().Message}");
            }
        }
        return new FleetStatusResult(devices.Select(d => new FleetDeviceStatus(d, newest.GetValueOrDefault(d.Id))).ToList(), read, errors);
    }

    /// <summary>
    /// Which of two retained records of one device (from two nodes) is newer: one showing the serial the registry holds as
    /// current beats one with another serial (it was published after the renewal's commit); then an online record beats an
    /// offline one (the node the device moved to holds its live record; the old node keeps its last will); then the later arrival.
    /// </summary>
    private static bool Newer(DeviceStatusRecord candidate, DeviceStatusRecord seen, List<DeviceRecord> devices)
    {
        var device = devices.First(d => d.Id == candidate.DeviceId);
        bool cCurrent = string.Equals(candidate.Report.Serial, device.Serial, StringComparison.OrdinalIgnoreCase);
        bool sCurrent = string.Equals(seen.Report.Serial, device.Serial, StringComparison.OrdinalIgnoreCase);
        if (cCurrent != sCurrent)
            return cCurrent;
        bool cOnline = candidate.Report.State == "online", sOnline = seen.Report.State == "online";
        if (cOnline != sOnline)
            return cOnline;
        return candidate.ReceivedUtc >= seen.ReceivedUtc;
    }
}
