using NfBuild.Fleet;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NfBuild.Backend;
using NfBuild.Backend.Apache;
using NfBuild.Tests.Release;
using Xunit;

namespace NfBuild.Tests.Backend.Apache;

/// <summary>The firmware server against real Apache 2.4 (Debian's apache2) and .NET's TLS client pinning the fleet root.</summary>
public sealed class FirmwareServerTests
{
    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [ApacheFact]
    public async Task Https_FullGet_Head_Ranges_AndIfRange()
    {
        await using var fw = await FirmwareServer.StartAsync();
        byte[] image = Payload(300_000, 1);
        string file = fw.Publish("releases/9.9.9/app.bin", image);
        // Apache makes the ETag weak (W/) while the file's mtime is within the last second (it could still change in
        // that second); If-Range needs a strong one. Published releases are older than that.
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-2));
        using var http = FirmwareServer.Client(Path.Combine(fw.Ws.FleetDir, "pki", "root-ca.pem"));
        var url = new Uri(fw.Base, "releases/9.9.9/app.bin");

        using (var full = await http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
            Assert.Equal(image, await full.Content.ReadAsByteArrayAsync());
            Assert.Equal("application/octet-stream", full.Content.Headers.ContentType?.MediaType);
        }

        EntityTagHeaderValue etag;
        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(image.Length, head.Content.Headers.ContentLength);
            etag = head.Headers.ETag ?? throw new Xunit.Sdk.XunitException("HEAD has no ETag");
            Assert.False(etag.IsWeak);
            Assert.Contains("bytes", head.Headers.AcceptRanges);
        }

        const int resumeAt = 123_456;
        var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(resumeAt, null);
        using (var partial = await http.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal($"bytes {resumeAt}-{image.Length - 1}/{image.Length}", partial.Content.Headers.ContentRange?.ToString());
            Assert.Equal(image[resumeAt..], await partial.Content.ReadAsByteArrayAsync());
        }

        // If-Range with the current ETag: the resume is safe, 206.
        var current = new HttpRequestMessage(HttpMethod.Get, url);
        current.Headers.Range = new RangeHeaderValue(resumeAt, null);
        current.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using (var r = await http.SendAsync(current))
        {
            Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
            Assert.Equal(image[resumeAt..], await r.Content.ReadAsByteArrayAsync());
        }

        // The file changed under the URL: a resume with the old ETag gets the whole new file (200), never a splice.
        byte[] replaced = Payload(image.Length + 16, 2);
        fw.Publish("releases/9.9.9/app.bin", replaced);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-1));
        var stale = new HttpRequestMessage(HttpMethod.Get, url);
        stale.Headers.Range = new RangeHeaderValue(resumeAt, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using (var r = await http.SendAsync(stale))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(replaced, await r.Content.ReadAsByteArrayAsync());
            Assert.NotEqual(etag, r.Headers.ETag);
        }

        // Several ranges in one request (MaxRanges 1): the whole file instead of a multipart amplification.
        var multi = new HttpRequestMessage(HttpMethod.Get, url);
        multi.Headers.Range = new RangeHeaderValue();
        multi.Headers.Range.Ranges.Add(new RangeItemHeaderValue(0, 9));
        multi.Headers.Range.Ranges.Add(new RangeItemHeaderValue(100, 109));
        using (var r = await http.SendAsync(multi))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        // Only GET/HEAD.
        using (var put = await http.PutAsync(url, new ByteArrayContent([1])))
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(replaced, File.ReadAllBytes(Path.Combine(fw.Layout.DocumentRoot, "releases/9.9.9/app.bin")));
        using (var missing = await http.GetAsync(new Uri(fw.Base, "releases/0.0.0/app.bin")))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [ApacheFact]
    public async Task Https_RefusesAClientThatPinsAnotherRoot()
    {
        await using var fw = await FirmwareServer.StartAsync();
        fw.Publish("x.bin", [1, 2, 3]);
        using var other = new NfBuild.Tests.Fleet.FleetWorkspace();
        other.Init();
        using var http = FirmwareServer.Client(Path.Combine(other.FleetDir, "pki", "root-ca.pem"));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(fw.Base, "x.bin")));
    }

    [ApacheFact]
    public async Task Publish_ThenGet_ServesTheSameBytes()
    {
        await using var fw = await FirmwareServer.StartAsync();
        fw.Ws.Ok("release", "keygen", fw.Ws.FleetDir);
        string app = fw.Ws.PathOf("nanoCLR.bin");
        File.WriteAllBytes(app, ReleaseWorkspace.AppImage(0, "4.0.0"));
        string deploy = fw.Ws.PathOf("deploy.bin");
        File.WriteAllBytes(deploy, Payload(70_000, 3));
        string rel = fw.Ws.PathOf("rel");
        fw.Ws.Ok("release", "create", fw.Ws.FleetDir, "--version", "4.0.0", "--secure-version", "0", "--app", app, "--deploy", deploy, "-o", rel,
            "--base-url", fw.Base.ToString());
        fw.Ws.Ok("release", "publish", rel, "--fleet", fw.Ws.FleetDir);

        using var http = FirmwareServer.Client(Path.Combine(fw.Ws.FleetDir, "pki", "root-ca.pem"));
        var manifest = IotDevice.Core.Updates.ReleaseManifest.Parse(await http.GetByteArrayAsync(new Uri(fw.Base, "releases/4.0.0/manifest.txt")));
        foreach (var f in new[] { "manifest.txt", "manifest.sig", "app.bin", "deploy.bin" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(rel, f)), await http.GetByteArrayAsync(new Uri(fw.Base, "releases/4.0.0/" + f)));
        // The manifest's own URLs point at this server and serve the bytes it hashes.
        byte[] fetched = await http.GetByteArrayAsync(manifest.App.Url);
        Assert.Equal(manifest.App.Sha256Hex, Convert.ToHexStringLower(SHA256.HashData(fetched)));
        Assert.Equal(manifest.Deploy.Size, (await http.GetByteArrayAsync(manifest.Deploy.Url)).Length);
    }

    [ApacheFact]
    public async Task RequireClientCert_RefusesNoCertificateInTheHandshake_AndAcceptsADevice()
    {
        await using var fw = await FirmwareServer.StartAsync(requireClientCert: true);
        fw.Publish("releases/1.0.0/app.bin", [9, 8, 7]);
        string root = Path.Combine(fw.Ws.FleetDir, "pki", "root-ca.pem");
        var url = new Uri(fw.Base, "releases/1.0.0/app.bin");

        using (var anonymous = FirmwareServer.Client(root))
        {
            var ex = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync(url));
            Assert.Null(ex.StatusCode); // no HTTP answer at all: refused during TLS
        }

        fw.Ws.Ok("fleet", "add-device", fw.Ws.FleetDir, "dev-7");
        string bundle = Path.Combine(fw.Ws.FleetDir, "devices", "dev-7");
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(bundle, "device.pem"), Path.Combine(bundle, "device.key"));
        using var device = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        using var client = FirmwareServer.Client(root, device);
        Assert.Equal(new byte[] { 9, 8, 7 }, await client.GetByteArrayAsync(url));
        // Apache logs the request after the response has gone out: wait for the line instead of racing it.
        string log = "";
        for (var until = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < until && !log.Contains("cn=dev-7"); await Task.Delay(50))
            log = File.Exists(fw.Layout.AccessLog) ? File.ReadAllText(fw.Layout.AccessLog) : "";
        Assert.Contains("cn=dev-7", log);
    }
}

public sealed class ApacheConfigTests
{
    [Fact]
    public void Write_RendersAVirtualHost_WithTheFleetsCertificate_AndNoClientCertByDefault()
    {
        using var ws = new NfBuild.Tests.Fleet.FleetWorkspace();
        ws.Init();
        var fleet = FleetDirectory.Open(ws.FleetDir);
        var result = ApacheConfigWriter.Write(fleet, new ApacheWriteOptions { Port = 18555 });
        string conf = File.ReadAllText(result.ConfigFile);
        Assert.Equal("https://localhost:18555/", result.Url);
        Assert.Contains("Listen 127.0.0.1:18555 https", conf);
        Assert.Contains("SSLProtocol -all +TLSv1.2 +TLSv1.3", conf);
        Assert.Contains($"SSLCertificateFile \"{fleet.ServerCertificate}\"", conf);
        Assert.Contains($"SSLCertificateKeyFile \"{fleet.ServerKey}\"", conf);
        Assert.Contains($"DocumentRoot \"{Path.Combine(ws.FleetDir, "backend", "apache", "htdocs")}\"", conf);
        Assert.Contains("LoadModule ssl_module \"/usr/lib/apache2/modules/mod_ssl.so\"", conf);
        Assert.DoesNotContain("SSLVerifyClient", conf);
        Assert.DoesNotContain("/etc/apache2", conf);
        Assert.DoesNotContain("${", conf);
        Assert.True(Directory.Exists(result.DocumentRoot));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 18555), ApacheConfigWriter.ReadListen(result.ConfigFile));

        string withCert = File.ReadAllText(ApacheConfigWriter.Write(fleet, new ApacheWriteOptions { RequireClientCertificate = true }).ConfigFile);
        Assert.Contains("SSLVerifyClient require", withCert);
        Assert.Contains($"SSLCACertificateFile \"{fleet.CaBundle}\"", withCert);
        // At vhost level (inside <VirtualHost>, not a <Directory>): checked in the handshake.
        int vhost = withCert.IndexOf("<VirtualHost", StringComparison.Ordinal);
        int dir = withCert.IndexOf("<Directory \"", vhost, StringComparison.Ordinal);
        int verify = withCert.IndexOf("SSLVerifyClient require", StringComparison.Ordinal);
        Assert.True(vhost < verify && verify < dir);
    }

    [Fact]
    public void Write_RefusesAFolderThatIsNoFleet_OrLacksTheServerCertificate_AndBadOptions()
    {
        using var ws = new NfBuild.Tests.Fleet.FleetWorkspace();
        Directory.CreateDirectory(ws.FleetDir);
        var (exit, _, err) = ws.Run("backend", "apache", "write", ws.FleetDir);
        Assert.Equal(1, exit);
        Assert.Contains("is not a fleet workspace", err);
        using (var noCert = new NfBuild.Tests.Fleet.FleetWorkspace())
        {
            noCert.Init();
            File.Delete(Path.Combine(noCert.FleetDir, "pki", "server.pem"));
            var missing = noCert.Run("backend", "apache", "write", noCert.FleetDir);
            Assert.Equal(1, missing.Exit);
            Assert.Contains("server certificate chain", missing.Err);
        }
        ws.Init();
        Assert.Contains("not an IP address", ws.Run("backend", "apache", "write", ws.FleetDir, "--bind", "localhost").Err);
        Assert.Contains("not 1..65535", ws.Run("backend", "apache", "write", ws.FleetDir, "--port", "70000").Err);
    }

    [Fact]
    public async Task Start_NamesTheAptPackage_WhenApacheIsMissing()
    {
        Assert.Contains("apt-get install apache2", ApacheServer.NotInstalledMessage);
        using var ws = new NfBuild.Tests.Fleet.FleetWorkspace();
        ws.Init();
        var fleet = FleetDirectory.Open(ws.FleetDir);
        ApacheConfigWriter.Write(fleet);
        var ex = await Assert.ThrowsAsync<BackendException>(() => ApacheServer.StartAsync(new ApacheLayout(fleet), binary: "/nonexistent/apache2"));
        Assert.Contains("/nonexistent/apache2 does not exist", ex.Message);
        var (exit, _, err) = ws.Run("backend", "apache", "start", ws.PathOf("no-fleet"));
        Assert.Equal(1, exit);
        Assert.Contains("does not exist", err);
    }
}
