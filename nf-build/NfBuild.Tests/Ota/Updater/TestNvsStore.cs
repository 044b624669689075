using Esp32.Formats.Nvs;
using IotDevice.Core.Platform;

namespace NfBuild.Tests.Ota.Updater;

/// <summary>
/// ISecureStore over the virtual chip's mounted (encrypted) NVS: every set is flash writes, so power-cut
/// sweeps cut inside ota_prog / rel_N / ota_last updates too. (The host branch's VirtualNvsSecureStore is the
/// product adapter; this is the same few calls.)
/// </summary>
internal sealed class TestNvsStore(NvsStorage storage) : ISecureStore
{
    public byte[]? GetBlob(string nameSpace, string key) => Read(nameSpace, key, NvsItemType.BlobData) ? storage.OpenHandle(nameSpace, false).GetBlob(key) : null;

    public string? GetString(string nameSpace, string key) => Read(nameSpace, key, NvsItemType.String) ? storage.OpenHandle(nameSpace, false).GetString(key) : null;

    public void SetBlob(string nameSpace, string key, byte[] value) => storage.OpenHandle(nameSpace, true).SetBlob(key, value);

    public void SetString(string nameSpace, string key, string value) => storage.OpenHandle(nameSpace, true).SetString(key, value);

    public bool Erase(string nameSpace, string key)
    {
        if (!Exists(nameSpace, key))
            return false;
        storage.OpenHandle(nameSpace, true).EraseKey(key);
        return true;
    }

    private bool Read(string nameSpace, string key, NvsItemType type)
    {
        if (!Exists(nameSpace, key))
            return false;
        var stored = storage.OpenHandle(nameSpace, false).FindKey(key);
        return stored == type ? true : throw new NvsException(NvsError.TypeMismatch, $"{nameSpace}/{key} holds {stored}");
    }

    private bool Exists(string nameSpace, string key)
    {
        try
        {
            return storage.OpenHandle(nameSpace, false).FindKey(key) is not null;
        }
        catch (NvsException e) when (e.Error == NvsError.NotFound)
        {
            return false;
        }
    }
}
