using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using IotDevice.Core.Updates;
using IotDevice.Host.Adapters;
using NfBuild.EmbeddedBackend;
using NfBuild.Fleet;
using NfBuild.Release;
using NfBuild.Tests.Backend;
using NfBuild.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using Embedded = NfBuild.EmbeddedBackend.EmbeddedBackend;

namespace NfBuild.Tests.EmbeddedBackend;

/// <summary>
/// The embedded backend's Kestrel firmware server: the fleet's document root over TLS with pki/server.pem, checked with the
/// firmware's own host downloader (pinned fleet root, host name) and with a plain HttpClient for the HTTP rules; and a
/// virtual Lolin32 updating itself from it through the embedded broker.
/// </summary>
public sealed class EmbeddedFirmwareServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string DeviceId = "fw-dev";
    private string _root = null!;
    private FleetDirectory _fleet = null!;
    private Embedded _backend = null!;
    private EmbeddedFirmwareServer Server => _backend.Firmware!;
    private X509Certificate2 _rootCa = null!;

    public async Task InitializeAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), "nfb-fw-" + Guid.NewGuid().ToString("N")[..10]);
        var fleet = FleetInitializer.Create(_root, new FleetInitOptions { Name = "fw-fleet" });
        var free = TestFleet.FreePorts(7);
        var settings = fleet.Settings;
        settings.Ports = new FleetPorts
        {
            PrimaryMqtts = free[0], PrimaryAmqps = free[1], FallbackMqtts = free[2], FallbackAmqps = free[3],
            Epmd = free[4], PrimaryDist = free[5], FallbackDist = free[6],
        };
        settings.PrimaryEndpoints = [$"127.0.0.1:{free[0]}"];
        settings.FallbackEndpoints = [$"127.0.0.1:{free[2]}"];
        SecureFiles.WritePublic(fleet.SettingsFile, settings.ToJson());
        ReleaseKey.Generate(_root);
        _fleet = FleetDirectory.Open(_root);
        DeviceProvisioning.AddDevice(_fleet, new AddDeviceOptions { DeviceId = DeviceId, NotAfter = DateTimeOffset.UtcNow.AddYears(1) });
        _backend = await Embedded.StartAsync(_fleet, new EmbeddedBackendOptions { FirmwarePort = 0, Log = output.WriteLine });
        _rootCa = X509CertificateLoader.LoadCertificateFromFile(_fleet.RootCaCertificate);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _rootCa.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private byte[] PutFile(string relative, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        string path = Path.Combine(ReleasePaths.DocumentRoot(_root), relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    private static byte[] ReadAll(IotDevice.Core.Platform.IDownloadStream stream)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        while (stream.Position < stream.TotalLength)
        {
            int n = stream.Read(buffer, 0, buffer.Length);
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    /// <summary>An HttpClient trusting only the fleet root (the server's chain must reach it) and checking the name.</summary>
    private HttpClient Client()
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
        {
            if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_rootCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            foreach (X509ChainElement element in presented!.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            return chain.Build(new X509Certificate2(certificate));
        };
        return new HttpClient(handler) { BaseAddress = Server.BaseUrl };
    }

    [Fact]
    public void Listens_on_loopback_with_the_base_url_of_the_server_certificate_and_18443_by_default()
    {
        Assert.Equal(18443, EmbeddedFirmwareServer.DefaultPort);
        Assert.Equal(new Uri(ReleasePaths.DefaultBaseUrl).Port, EmbeddedFirmwareServer.DefaultPort);
        Assert.Equal($"https://localhost:{Server.Port}/", Server.BaseUrl.ToString());
        Assert.NotEqual(0, Server.Port);
        Assert.Equal(Path.GetFullPath(ReleasePaths.DocumentRoot(_root)), Server.DocumentRoot);
    }

    [Fact]
    public void The_firmware_host_downloader_gets_the_file_resumes_with_a_range_and_If_Range_and_a_stale_ETag_gets_the_whole_file()
    {
        byte[] body = PutFile("releases/9.9.9/app.bin", 200_000, 1);
        string url = new Uri(Server.BaseUrl, "releases/9.9.9/app.bin").ToString();
        using var downloader = new HttpRangeDownloader(X509CertificateLoader.LoadCertificateFromFile(_fleet.RootCaCertificate));

        string etag;
        using (var full = downloader.OpenAt(url, 0, null))
        {
            Assert.Equal(body.Length, full.TotalLength);
            Assert.NotNull(full.ETag); // strong: the downloader keeps only strong ETags
            etag = full.ETag!;
            Assert.Equal(body, ReadAll(full));
        }
        using (var resumed = downloader.OpenAt(url, 123_456, etag))
        {
            Assert.Equal(123_456, resumed.Position);
            Assert.Equal(body.Length, resumed.TotalLength);
            Assert.Equal(body.AsSpan(123_456).ToArray(), ReadAll(resumed));
        }
        // The file under the URL changed (another ETag): the range is not applied, the downloader says "start over".
        Assert.Throws<RangeNotHonouredException>(() => downloader.OpenAt(url, 4096, "\"0123456789abcdef0123456789abcdef\""));
    }

    [Fact]
    public async Task Ranges_ETags_If_Range_and_HEAD_follow_HTTP_semantics()
    {
        byte[] body = PutFile("releases/1.0.0/deploy.bin", 50_000, 2);
        using var client = Client();
        const string path = "releases/1.0.0/deploy.bin";

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Contains("bytes", head.Headers.AcceptRanges);
        EntityTagHeaderValue etag = head.Headers.ETag!;
        Assert.False(etag.IsWeak);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // Single range -> 206 with Content-Range.
        var ranged = new HttpRequestMessage(HttpMethod.Get, path);
        ranged.Headers.Range = new RangeHeaderValue(1000, null);
        using (var r = await client.SendAsync(ranged))
        {
            Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
            Assert.Equal($"bytes 1000-{body.Length - 1}/{body.Length}", r.Content.Headers.ContentRange!.ToString());
            Assert.Equal(body.AsSpan(1000).ToArray(), await r.Content.ReadAsByteArrayAsync());
        }
        // If-Range with the current ETag -> 206; with another -> 200 and the whole body.
        var matching = new HttpRequestMessage(HttpMethod.Get, path);
        matching.Headers.Range = new RangeHeaderValue(40_000, null);
        matching.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using (var r = await client.SendAsync(matching))
        {
            Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
            Assert.Equal(body.Length - 40_000, (await r.Content.ReadAsByteArrayAsync()).Length);
        }
        var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.Range = new RangeHeaderValue(40_000, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"stale\""));
        using (var r = await client.SendAsync(stale))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Null(r.Content.Headers.ContentRange);
            Assert.Equal(body, await r.Content.ReadAsByteArrayAsync());
        }
        // A weak validator never matches in If-Range (strong comparison).
        var weak = new HttpRequestMessage(HttpMethod.Get, path);
        weak.Headers.Range = new RangeHeaderValue(40_000, null);
        weak.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue(etag.Tag, isWeak: true));
        using (var r = await client.SendAsync(weak))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        // Several ranges -> the whole file (no multipart), as Apache's MaxRanges 1.
        var multi = new HttpRequestMessage(HttpMethod.Get, path);
        multi.Headers.Range = new RangeHeaderValue();
        multi.Headers.Range.Ranges.Add(new RangeItemHeaderValue(0, 9));
        multi.Headers.Range.Ranges.Add(new RangeItemHeaderValue(100, 109));
        using (var r = await client.SendAsync(multi))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(body.Length, (await r.Content.ReadAsByteArrayAsync()).Length);
        }
        // Beyond the end -> 416.
        var beyond = new HttpRequestMessage(HttpMethod.Get, path);
        beyond.Headers.Range = new RangeHeaderValue(body.Length + 10, null);
        using (var r = await client.SendAsync(beyond))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, r.StatusCode);

        // The ETag is the content's: other bytes of the same size under the same name get another one.
        PutFile("releases/1.0.0/deploy.bin", 50_000, 3);
        using var again = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.NotEqual(etag, again.Headers.ETag);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/releases")]
    [InlineData("/releases/")]
    [InlineData("/nothing.bin")]
    [InlineData("/../pki/server.key")]
    [InlineData("/releases/../../pki/server.key")]
    [InlineData("/%2e%2e/pki/server.key")]
    [InlineData("/..%2fpki%2fserver.key")]
    [InlineData("/..%5cpki%5cserver.key")]
    [InlineData("/.hidden")]
    [InlineData("/releases/link.bin")]
    [InlineData("/linked-dir/server.key")]
    public async Task Nothing_but_files_under_the_document_root_is_served(string path)
    {
        PutFile("releases/1.0.0/app.bin", 100, 4);
        PutFile(".hidden", 100, 5);
        string docroot = ReleasePaths.DocumentRoot(_root);
        if (!File.Exists(Path.Combine(docroot, "releases", "link.bin")))
            File.CreateSymbolicLink(Path.Combine(docroot, "releases", "link.bin"), _fleet.ServerKey);
        if (!Directory.Exists(Path.Combine(docroot, "linked-dir")))
            Directory.CreateSymbolicLink(Path.Combine(docroot, "linked-dir"), _fleet.PkiDirectory);
        using var client = Client();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            new Uri(Server.BaseUrl + path.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true })));
        string text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"GET {path} -> {(int)response.StatusCode} ({text.Length} bytes)");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("PRIVATE KEY", text);
    }

    [Fact]
    public async Task Only_GET_and_HEAD_are_answered()
    {
        PutFile("releases/1.0.0/app.bin", 100, 6);
        using var client = Client();
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post, HttpMethod.Delete })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, "releases/1.0.0/app.bin") { Content = new ByteArrayContent([1, 2, 3]) });
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }
        Assert.Equal(100, new FileInfo(Path.Combine(ReleasePaths.DocumentRoot(_root), "releases", "1.0.0", "app.bin")).Length);
    }

    [Fact]
    public async Task A_virtual_Lolin32_updates_itself_from_the_embedded_firmware_server_through_the_embedded_broker()
    {
        using var device = RunningDevice.Provision(_root, DeviceId);
        try
        {
            device.Start();
            Assert.True(await device.WaitUntilAsync(d => d.Connection.IsOnPrimary, TimeSpan.FromSeconds(30)), "device did not connect: " + device.Runner.State);
            var release = OtaEndToEnd.CreateAndPublish(_root, Server.BaseUrl.ToString(), "1.1.0", appBytes: 300_000, deployBytes: 100_000);
            var run = await OtaEndToEnd.UpdateAsync(_root, device, release, output);
            output.WriteLine($"OTA: command->confirmed {run.CommandToConfirmed.TotalMilliseconds:F0} ms, download {run.Download.TotalMilliseconds:F0} ms, {run.FinalStatus}; {run.Phases}");
            Assert.Equal("1.1.0", device.Runner.Identity!.Version);
            Assert.Equal(1, device.Runner.Identity.Slot);
            Assert.Equal(OtaWords.Confirmed, device.App.Ota);
            Assert.Contains("version=1.1.0 slot=1 ota=confirmed", run.FinalStatus);
        }
        catch
        {
            device.Dump(output);
            throw;
        }
    }
}
