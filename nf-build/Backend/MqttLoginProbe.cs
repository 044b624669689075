using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using NfBuild.Fleet;

namespace NfBuild.Backend;

/// <summary>
/// Whether a primary node accepts an MQTT login right now: one CONNECT as the fleet's operator (certificate login,
/// clean session, disconnected at once). Used by the cluster start because nothing else proves it: RabbitMQ 3.10 can
/// report a formed cluster and a client-id tracking leader while a node still closes CONNECTs before its CONNACK.
/// Only the broker's own answer counts as "not ready" (CONNECT closed, server unavailable, no CONNACK in time);
/// a probe this host cannot make (no operator identity, name or socket errors) is reported and not waited for.
/// Threat: the probe uses the operator key, which the host running the backend already holds (pki/operator.key, 0600);
/// it publishes and subscribes to nothing, so it gives no one a way to command a device that they did not have.
/// </summary>
public static class MqttLoginProbe
{
    public enum Outcome { Accepted, NotReady, CannotProbe }

    public static async Task<(Outcome Outcome, string Detail)> TryAsync(FleetDirectory fleet, string endpoint, CancellationToken cancel = default)
    {
        if (!FleetOperator.Exists(fleet))
            return (Outcome.CannotProbe, "no operator identity in pki/ to probe with");
        try
        {
            await using var session = await OperatorSession.ConnectAsync(fleet, endpoint, TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
            return (Outcome.Accepted, "accepted");
        }
        catch (MqttConnectingFailedException e) when (e.InnerException is MqttCommunicationException)
        {
            return (Outcome.NotReady, "CONNECT closed by the broker before its CONNACK");
        }
        catch (BackendException e) when (e.Message.EndsWith("CONNACK " + MQTTnet.MqttClientConnectResultCode.ServerUnavailable, StringComparison.Ordinal))
        {
            return (Outcome.NotReady, "CONNACK server unavailable");
        }
        catch (Exception e) when (e is MqttCommunicationTimedOutException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return (Outcome.NotReady, "no CONNACK within 10 s");
        }
        catch (Exception e) when (e is MqttCommunicationException or MqttConnectingFailedException or BackendException or System.Net.Sockets.SocketException or IOException)
        {
            return (Outcome.CannotProbe, e.Message);
        }
    }
}
