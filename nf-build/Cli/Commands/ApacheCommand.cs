using NfBuild.Fleet;
using System.CommandLine;
using NfBuild.Backend;
using NfBuild.Backend.Apache;

namespace NfBuild.Cli.Commands;

/// <summary>`backend apache write|start`: the HTTPS firmware server (README.md, "Releases and the firmware server").</summary>
internal static class ApacheCommand
{
    public static Command Create()
    {
        var apache = new Command("apache", "The HTTPS firmware server (Debian's apache2 2.4 with its own config, never the system's) serving <fleet>/backend/apache/htdocs.");
        apache.Add(Write());
        apache.Add(Start());
        return apache;
    }

    private static Argument<DirectoryInfo> FleetDir() => new("fleet-dir") { Description = "The fleet directory (pki/server.pem, server.key, ca-bundle.pem)." };

    private static FleetDirectory Layout(DirectoryInfo dir)
    {
        if (!dir.Exists)
            throw new CliUsageException($"fleet directory '{dir.FullName}' does not exist");
        return FleetDirectory.Open(dir.FullName);
    }

    private static Command Write()
    {
        var fleet = FleetDir();
        var bind = new Option<string>("--bind") { Description = "Listen address.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "HTTPS port.", DefaultValueFactory = _ => ApacheWriteOptions.DefaultPort, CustomParser = NumberParser.ParseIntArgument };
        var serverName = new Option<string>("--server-name") { Description = "ServerName (a SAN of pki/server.pem).", DefaultValueFactory = _ => "localhost" };
        var clientCert = new Option<bool>("--require-client-cert") { Description = "Refuse clients without a certificate of the fleet's issuing CA, in the TLS handshake (SSLVerifyClient require). nanoFramework's HttpWebRequest sends no client certificate: see README." };
        var command = new Command("write", "Write <fleet>/backend/apache/httpd.conf (mod_ssl virtual host, TLS 1.2+, byte ranges, ETags) and create htdocs/.") { fleet, bind, port, serverName, clientCert };
        command.SetAction(parse =>
        {
            var layout = Layout(parse.GetValue(fleet)!);
            var result = ApacheConfigWriter.Write(layout, new ApacheWriteOptions
            {
                BindAddress = parse.GetValue(bind)!,
                Port = parse.GetValue(port),
                ServerName = parse.GetValue(serverName)!,
                RequireClientCertificate = parse.GetValue(clientCert),
            });
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"firmware server config: {result.ConfigFile}");
            output.WriteLine($"document root: {result.DocumentRoot}");
            output.WriteLine($"url: {result.Url}" + (result.RequireClientCertificate ? " (client certificate required)" : ""));
            if (ApacheServer.IsInstalled() && ApacheServer.CheckConfig(new ApacheLayout(layout)) is { } problem)
                throw new CliUsageException("apache2 -t refuses the written config: " + problem);
            return 0;
        });
        return command;
    }

    private static Command Start()
    {
        var fleet = FleetDir();
        var command = new Command("start", "Run /usr/sbin/apache2 in the foreground on the written config until Ctrl-C or SIGTERM.") { fleet };
        command.SetAction(async (parse, cancel) =>
        {
            var layout = new ApacheLayout(Layout(parse.GetValue(fleet)!));
            var output = parse.InvocationConfiguration.Output;
            using var stop = StopSignal.Listen(cancel);
            using var server = await ApacheServer.StartAsync(layout, cancel: cancel);
            output.WriteLine($"firmware server (apache2 pid {server.ProcessId}) on https://{server.Endpoint}/ serving {layout.DocumentRoot}");
            output.WriteLine($"logs: {layout.LogDir}; Ctrl-C or SIGTERM stops");
            while (!stop.Token.IsCancellationRequested && !server.HasExited)
            {
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
            }
            // Ctrl-C in a terminal signals the whole process group: Apache may have stopped on its own SIGINT already.
            if (server.HasExited && !stop.Token.IsCancellationRequested)
                throw new CliUsageException("apache2 exited: " + server.Diagnostics());
            output.WriteLine("stopping...");
            await server.StopAsync();
            output.WriteLine("stopped");
            return 0;
        });
        return command;
    }
}
