using System;
using IotDevice.Core.Messaging;
using IotDevice.Core.Platform;

namespace IotDevice.Core.Updates
{
    /// <summary>
    /// The OTA state machine (esp_https_ota's begin / perform / finish, with the policy here): an update is a
    /// PAIR, the nanoCLR image (ota_N) and the managed deployment (deploy_N), written together into the
    /// inactive pair and switched together by the bootloader's otadata.
    /// <list type="number">
    /// <item><see cref="Trigger"/> with a manifest URL: "accepted" is published, then MQTT is closed (one TLS
    /// session at a time, <see cref="IOtaHost"/>).</item>
    /// <item>Before anything is erased: manifest and signature are fetched (small), the signature checked with
    /// the release key (NVS <c>rel_pubkey</c>), then the manifest parsed; refused, each with its reason, are a
    /// bad signature, a manifest that does not parse, another board, a version not newer than the running
    /// pair's record <c>rel_&lt;running&gt;</c>, a secure_version below the eFuse floor, a part larger than its
    /// slot.</item>
    /// <item>Each part is streamed in <see cref="OtaSettings.ChunkSize"/> chunks through ONE buffer into the
    /// inactive pair, SHA-256 on the fly; a dropped connection resumes at the written offset (HTTP Range with
    /// If-Range = the part's ETag); progress goes to NVS <c>ota_prog</c> at 4 KB-aligned checkpoints, so after a
    /// reboot the manifest is fetched and verified again, the prefix in flash re-hashed, and the download
    /// resumes there.</item>
    /// <item>Both hashes must match the manifest and the app image must verify (esp_ota_end); then
    /// <c>rel_&lt;inactive&gt;</c> = version, the boot slot is set, MQTT reopened, "rebooting" published, reboot.</item>
    /// <item>First boot of the new pair (PENDING_VERIFY): the primary broker must be reached and the status
    /// published within <see cref="OtaSettings.SelfTestWindowSeconds"/>, else the pair is marked invalid and
    /// the device reboots into the previous pair ("rolled-back").</item>
    /// </list>
    /// No thread, no timer: <see cref="Tick"/> from the main loop does a bounded amount of work; time comes from
    /// <see cref="IClock"/> only. Flash or NVS exceptions are not caught (a failing flash is not a retryable
    /// download problem); network exceptions are.
    /// <para>
    /// Memory: one chunk buffer (4 KB), one manifest buffer (2 KB), one signature buffer, the parsed manifest;
    /// nothing per chunk; per checkpoint one small record string, at most
    /// <see cref="OtaSettings.MaxCheckpointsPerPart"/> per part, so the total is bounded whatever the release size
    /// (measured on .NET: 20 KB for a 150 KB release, 44 KB for a 1.98 MB one, flat beyond ~1 MB; OtaAllocationTests).
    /// NVS: ota_prog ≈ 250-700 bytes (8..23 entries of 32 bytes, rewritten at most 2 × 16 + 4 times per update),
    /// rel_0/rel_1 and ota_last 2 entries each, rel_pubkey (P-256 SPKI PEM, 178 bytes) 7 entries: about 30 of the
    /// 630 entries the 24 KB partition has besides its spare page, i.e. under 1 KB of the 24 KB.
    /// </para>
    /// </summary>
    public sealed class OtaUpdater
    {
        private const int Sector = 4096;
        private const int MaxSignatureBytes = ReleaseSignature.MaxDerLength;
        private const int MaxTickStepMs = 60000;

        private readonly OtaSettings _settings;
        private readonly IOtaHost _host;
        private readonly IRangeDownloader _downloader;
        private readonly IOtaSlotWriter _app;
        private readonly IDeploySlots _deploy;
        private readonly IOtaSlots _slots;
        private readonly ISecureStore _store;
        private readonly ICrypto _crypto;
        private readonly IClock _clock;
        private readonly IRebooter _rebooter;
        private readonly IDeviceLog _log;
        private readonly byte[] _buffer;

        private byte[] _manifestBuffer;
        private byte[] _signatureBuffer;

        private bool _started;
        private OtaPhase _phase;
        private OtaPhase _retryPhase;
        private string _status;

        private long _lastTicks;
        private bool _haveLastTick;
        private int _stepMs;
        private int _waitMs;
        private bool _published;
        private bool _primaryPublished;
        private bool _networkReleased;

        private string _url;
        private OtaProgress _resume;
        private ReleaseManifest _manifest;
        private string _manifestHash;
        private int _pair;
        private int _runningPair;

        private int _part;          // 0 app, 1 deploy
        private int _offset;        // bytes of the current part in flash (hashed)
        private int _lastCheckpoint;
        private int _checkpointEvery;
        private bool _partPrepared;
        private bool _appOpen;
        private string _etag;
        private ISha256 _sha;
        private IDownloadStream _stream;
        private int _attempts;

        private int _rehashPart;
        private int _rehashOffset;

        public OtaUpdater(OtaSettings settings, IOtaHost host, IRangeDownloader downloader, IOtaSlotWriter appSlots, IDeploySlots deploySlots,
            IOtaSlots slots, ISecureStore store, ICrypto crypto, IClock clock, IRebooter rebooter, IDeviceLog log)
        {
            if (settings == null || host == null || downloader == null || appSlots == null || deploySlots == null || slots == null
                || store == null || crypto == null || clock == null || rebooter == null || log == null)
                throw new ArgumentNullException("settings");
            settings.Validate();
            _settings = settings;
            _host = host;
            _downloader = downloader;
            _app = appSlots;
            _deploy = deploySlots;
            _slots = slots;
            _store = store;
            _crypto = crypto;
            _clock = clock;
            _rebooter = rebooter;
            _log = log;
            _buffer = new byte[settings.ChunkSize];
            _status = OtaWords.None;
            _phase = OtaPhase.Idle;
        }

        /// <summary>The current OTA word for the retained status (<c>ota=</c>); after a reboot, the last outcome from NVS.</summary>
        public string Status
        {
            get
            {
                Start();
                return _status;
            }
        }

        public OtaPhase Phase
        {
            get { return _phase; }
        }

        /// <summary>True while an update holds the network (MQTT must stay closed) or is about to reboot.</summary>
        public bool IsBusy
        {
            get { return _phase != OtaPhase.Idle && _phase != OtaPhase.SelfTest; }
        }

        /// <summary>The pair being written (valid once the manifest was accepted).</summary>
        public int TargetPair
        {
            get { return _pair; }
        }

        /// <summary>
        /// Starts an update from <paramref name="manifestUrl"/> (an OTA command). False when one is already
        /// running or the new pair is still on trial (the command is then ignored, and the status says why).
        /// </summary>
        public bool Trigger(string manifestUrl)
        {
            Start();
            if (_phase != OtaPhase.Idle)
            {
                _log.Info("ota: trigger ignored, busy (" + PhaseName(_phase) + ")");
                return false;
            }
            if (!HttpsUrl.IsValid(manifestUrl))
            {
                Reject(OtaWords.BadUrl);
                return false;
            }
            _url = manifestUrl;
            _resume = null;
            _attempts = 0;
            _phase = OtaPhase.AwaitReport;
            _waitMs = 0;
            Report(OtaWords.Accepted);
            return true;
        }

        /// <summary>
        /// The application published the retained status (PUBACK received); <paramref name="onPrimary"/> when on
        /// the primary broker. This is the self-test's evidence and ends the wait before closing MQTT or rebooting.
        /// </summary>
        public void OnStatusPublished(bool onPrimary)
        {
            _published = true;
            if (onPrimary)
                _primaryPublished = true;
        }

        /// <summary>Does the next bounded step. Call it from the main loop, often (every loop iteration).</summary>
        public void Tick()
        {
            Start();
            _stepMs = StepMs();
            switch (_phase)
            {
                case OtaPhase.SelfTest:
                    SelfTestStep();
                    break;
                case OtaPhase.AwaitReport:
                    _waitMs += _stepMs;
                    if (_published || _waitMs >= _settings.ReportWindowSeconds * 1000)
                    {
                        // Threat: none (resource limit): the ESP32 cannot hold two TLS sessions, so MQTT goes first.
                        _host.ReleaseNetwork();
                        _networkReleased = true;
                        _phase = OtaPhase.Checking;
                    }
                    break;
                case OtaPhase.Checking:
                    CheckStep();
                    break;
                case OtaPhase.Rehashing:
                    for (int i = 0; i < _settings.ChunksPerTick && _phase == OtaPhase.Rehashing; i++)
                        RehashStep();
                    break;
                case OtaPhase.Downloading:
                    for (int i = 0; i < _settings.ChunksPerTick && _phase == OtaPhase.Downloading; i++)
                        DownloadStep();
                    break;
                case OtaPhase.RetryWait:
                    _waitMs += _stepMs;
                    if (_waitMs >= _settings.RetryDelaySeconds * 1000)
                        _phase = _retryPhase;
                    break;
                case OtaPhase.Verifying:
                    VerifyStep();
                    break;
                case OtaPhase.Rebooting:
                    _waitMs += _stepMs;
                    if (_published || _waitMs >= _settings.ReportWindowSeconds * 1000)
                    {
                        _phase = OtaPhase.Idle;
                        _rebooter.Reboot("ota: booting pair " + _pair.ToString() + " (" + _manifest.Version + ")");
                    }
                    break;
            }
        }

        // ---- start-up: what the last boot left behind ----

        private void Start()
        {
            if (_started)
                return;
            _started = true;
            string last = _store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.LastOutcome);
            _status = last != null && last.Length > 0 ? last : OtaWords.None;
            _runningPair = _slots.RunningSlot;
            string progText = _store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
            OtaProgress prog = OtaProgress.TryParse(progText);
            if (progText != null && prog == null)
            {
                _log.Info("ota: discarding an unreadable progress record");
                _store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
            }

            if (_slots.RunningState == OtaImageState.PendingVerify)
            {
                // A new pair on trial. Record that we are past the switch first: if the self-test fails and we roll
                // back, the old pair must conclude "rolled-back", never resume and re-install this release.
                if (prog == null || prog.Stage != OtaProgress.StageBoot || prog.Slot != _runningPair)
                {
                    OtaProgress boot = prog != null ? prog : new OtaProgress();
                    if (boot.ManifestSha256 == null)
                    {
                        boot.ManifestSha256 = "0000000000000000000000000000000000000000000000000000000000000000";
                        boot.Url = "https://unknown/";
                        boot.Part = ReleasePart.DeployName;
                    }
                    boot.Stage = OtaProgress.StageBoot;
                    boot.Slot = _runningPair;
                    SaveProgress(boot);
                }
                _phase = OtaPhase.SelfTest;
                _waitMs = 0;
                _log.Info("ota: pair " + _runningPair.ToString() + " on trial, self-test window " + _settings.SelfTestWindowSeconds.ToString() + " s");
                Report(OtaWords.Verifying);
                return;
            }

            if (prog == null)
                return;
            if (prog.Stage == OtaProgress.StageBoot)
            {
                // We switched and rebooted; the trial is over without us deciding now.
                bool confirmed = _runningPair == prog.Slot && _slots.RunningState == OtaImageState.Valid;
                Finish(confirmed ? OtaWords.Confirmed : OtaWords.RolledBack);
                _store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
                return;
            }

            // An interrupted download: resume it (manifest re-fetched and re-verified first).
            _resume = prog;
            _url = prog.Url;
            _attempts = 0;
            _phase = OtaPhase.AwaitReport;
            _waitMs = 0;
            _log.Info("ota: resuming " + prog.Part + " at " + prog.Offset.ToString() + " after a reboot");
            Report(OtaWords.Downloading);
        }

        private void SelfTestStep()
        {
            _waitMs += _stepMs;
            if (_primaryPublished)
            {
                // Order: otadata VALID, then the outcome, then the record. A power cut anywhere in between leaves the
                // boot-stage record, and the next start concludes "confirmed" from the VALID state again.
                _slots.MarkRunningValid();
                _phase = OtaPhase.Idle;
                Finish(OtaWords.Confirmed);
                _store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
                _log.Info("ota: pair " + _runningPair.ToString() + " confirmed");
                return;
            }
            if (_waitMs >= _settings.SelfTestWindowSeconds * 1000)
            {
                _log.Info("ota: self-test failed (no status on the primary within " + _settings.SelfTestWindowSeconds.ToString() + " s): rolling back");
                Finish(OtaWords.RolledBack);
                _phase = OtaPhase.Idle;
                _slots.MarkRunningInvalidAndReboot();
                // Only reached when no rollback is possible (the other pair does not verify): stay on this one.
                _log.Info("ota: rollback impossible, staying on pair " + _runningPair.ToString());
                _store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
                Finish(OtaWords.Rejected("rollback-impossible"));
            }
        }

        // ---- manifest ----

        private void CheckStep()
        {
            if (_manifestBuffer == null)
            {
                _manifestBuffer = new byte[ReleaseManifest.MaxBytes + 1];
                _signatureBuffer = new byte[MaxSignatureBytes + 1];
            }
            int manifestLength = Fetch(_url, _manifestBuffer);
            if (manifestLength < 0)
                return;
            if (manifestLength > ReleaseManifest.MaxBytes)
            {
                Reject(OtaWords.ManifestTooLarge);
                return;
            }
            int signatureLength = Fetch(ReleaseSignature.SignatureUrl(_url), _signatureBuffer);
            if (signatureLength < 0)
                return;
            if (signatureLength > MaxSignatureBytes)
            {
                Reject(OtaWords.BadSignature);
                return;
            }

            string pem = _store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleasePublicKey);
            if (pem == null)
            {
                // Threat: without a provisioned key nothing can be authenticated; never fall back to "accept".
                Reject(OtaWords.NoReleaseKey);
                return;
            }
            byte[] publicKey;
            try
            {
                publicKey = ReleaseSignature.PublicKeyFromPem(pem);
            }
            catch (ReleaseManifestException)
            {
                Reject(OtaWords.BadReleaseKey);
                return;
            }
            byte[] signature = new byte[signatureLength];
            Array.Copy(_signatureBuffer, signature, signatureLength);
            byte[] exact = new byte[manifestLength];
            Array.Copy(_manifestBuffer, exact, manifestLength);
            // Threat: the URL, the broker, the web server and TLS are all outside the release key holder's control;
            // only bytes signed by the release key are parsed at all, so an attacker who controls any of them can
            // at most make the update fail, never choose what gets installed.
            if (!ReleaseSignature.Verify(_crypto, publicKey, exact, signature))
            {
                Reject(OtaWords.BadSignature);
                return;
            }
            ReleaseManifest manifest;
            try
            {
                manifest = ReleaseManifest.Parse(exact);
            }
            catch (ReleaseManifestException e)
            {
                Reject(e.Word);
                return;
            }
            ISha256 sha = _crypto.CreateSha256();
            sha.Append(exact, 0, exact.Length);
            string manifestHash = Hex.ToLower(sha.Finish());

            // Threat: a signed release for another board would brick this one (other pins, other flash layout).
            if (manifest.Board != _settings.Board)
            {
                Reject(OtaWords.WrongBoard);
                return;
            }
            // Threat: replay of an old, correctly signed release to bring back a fixed vulnerability. The floor is
            // the running pair's own record, written when that pair was installed.
            FirmwareVersion running = RunningVersion();
            if (!running.AllowsUpdateTo(manifest.GetFirmwareVersion()))
            {
                Reject(OtaWords.NotNewer);
                return;
            }
            // Threat: the same replay after the eFuse floor moved; the bootloader would refuse it anyway, but only
            // after the inactive pair had been erased.
            if (manifest.SecureVersion < _slots.SecureVersionFloor)
            {
                Reject(OtaWords.SecureVersion);
                return;
            }
            int pair = _app.InactiveSlot;
            if (pair == _runningPair)
                throw new InvalidOperationException("the inactive OTA slot is the running one");
            if (manifest.App.Size > _app.SlotSize)
            {
                Reject(OtaWords.AppTooLarge);
                return;
            }
            if (manifest.Deploy.Size > _deploy.SlotSize(pair))
            {
                Reject(OtaWords.DeployTooLarge);
                return;
            }

            _manifest = manifest;
            _manifestHash = manifestHash;
            _pair = pair;
            _attempts = 0;
            OtaProgress resume = _resume;
            _resume = null;
            if (resume != null && resume.ManifestSha256 == manifestHash && resume.Slot == pair && ResumePointValid(resume))
            {
                _part = resume.Part == ReleasePart.AppName ? 0 : 1;
                _offset = resume.Offset;
                _etag = resume.ETag;
                _lastCheckpoint = _offset;
                _rehashPart = 0;
                _rehashOffset = 0;
                _sha = _crypto.CreateSha256();
                _phase = OtaPhase.Rehashing;
                _log.Info("ota: release " + manifest.Version + " verified again; re-hashing the written prefix");
                Report(OtaWords.Downloading);
                return;
            }
            if (resume != null)
                _log.Info("ota: the progress record does not match this manifest; starting over");

            // Every check passed: only now is the inactive pair touched. The record goes first, so a power cut
            // during the erase still resumes (the trigger itself came over MQTT and is gone after a reboot).
            _part = 0;
            _offset = 0;
            _etag = null;
            _lastCheckpoint = 0;
            _partPrepared = false;
            SaveProgress(DownloadRecord());
            _phase = OtaPhase.Downloading;
            _log.Info("ota: release " + manifest.Version + " accepted for pair " + pair.ToString());
            Report(OtaWords.Downloading);
        }

        private bool ResumePointValid(OtaProgress p)
        {
            ReleasePart part = p.Part == ReleasePart.AppName ? _manifest.App : _manifest.Deploy;
            return p.Offset == part.Size || (p.Offset < part.Size && p.Offset % Sector == 0 && p.Offset % _settings.ChunkSize == 0);
        }

        private FirmwareVersion RunningVersion()
        {
            string record = _store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.ReleaseOf(_runningPair));
            if (record != null)
            {
                try
                {
                    return FirmwareVersion.Parse(record);
                }
                catch (ArgumentException)
                {
                    _log.Info("ota: unreadable " + OtaStoreKeys.ReleaseOf(_runningPair) + ", using the built-in version");
                }
            }
            return FirmwareVersion.Parse(_settings.BuiltVersion);
        }

        /// <summary>GETs a small resource into <paramref name="into"/>; its length (Length+1 or more = too large), or -1 after a network failure (retry scheduled).</summary>
        private int Fetch(string url, byte[] into)
        {
            IDownloadStream stream = null;
            try
            {
                stream = _downloader.OpenAt(url, 0, null);
                if (stream.TotalLength >= into.Length)
                    return into.Length;
                int total = 0;
                while (total < into.Length)
                {
                    int n = stream.Read(into, total, into.Length - total);
                    if (n <= 0)
                        break;
                    total += n;
                }
                if (total != stream.TotalLength)
                    throw new InvalidOperationException("short body");
                return total;
            }
            catch (Exception e)
            {
                NetworkFailed("fetch " + url, e);
                return -1;
            }
            finally
            {
                if (stream != null)
                    DisposeQuietly(stream);
            }
        }

        // ---- download ----

        private ReleasePart CurrentPart()
        {
            return _part == 0 ? _manifest.App : _manifest.Deploy;
        }

        private void PreparePart(ReleasePart part)
        {
            _checkpointEvery = CheckpointInterval(part.Size);
            if (_part == 0)
            {
                if (_offset == 0)
                    _app.Begin(part.Size);
                else
                    _app.Resume(part.Size, _offset);
                _appOpen = true;
            }
            else
            {
                if (_offset == 0)
                {
                    // The whole partition: nanoCLR scans the deployment area for assemblies, so stale bytes of the
                    // previous deployment after the new end must not survive.
                    _deploy.Erase(_pair, 0, _deploy.SlotSize(_pair));
                }
                else if (_offset < part.Size)
                {
                    // Sectors from the checkpoint on may hold bytes written after it (before the reboot).
                    _deploy.Erase(_pair, _offset, RoundUp(part.Size, Sector) - _offset);
                }
            }
            if (_sha == null)
                _sha = _crypto.CreateSha256();
            _partPrepared = true;
        }

        private int CheckpointInterval(int size)
        {
            int interval = _settings.CheckpointBytes;
            int even = RoundUp((size + _settings.MaxCheckpointsPerPart - 1) / _settings.MaxCheckpointsPerPart, Sector);
            if (even > interval)
                interval = even;
            int unit = _settings.ChunkSize > Sector ? _settings.ChunkSize : Sector;
            return RoundUp(interval, unit);
        }

        private void DownloadStep()
        {
            ReleasePart part = CurrentPart();
            if (!_partPrepared)
                PreparePart(part);
            if (_offset >= part.Size)
            {
                FinishPart(part);
                return;
            }
            int want = part.Size - _offset;
            if (want > _buffer.Length)
                want = _buffer.Length;

            if (part.Reuse)
            {
                // Copied from the running pair, and hashed like a download: the running pair's bytes are only
                // trusted if they hash to what the signed manifest says.
                if (_part == 0)
                    _app.Read(_runningPair, _offset, _buffer, want);
                else
                    _deploy.Read(_runningPair, _offset, _buffer, want);
            }
            else
            {
                if (_stream == null && !OpenPartStream(part))
                    return;
                if (!FillFromStream(want))
                    return;
            }

            if (_part == 0 && _offset == 0 && !AppHeadMatches(want))
                return;
            _sha.Append(_buffer, 0, want);
            int padded = RoundUp(want, 16);
            for (int i = want; i < padded; i++)
                _buffer[i] = 0xFF;
            if (_part == 0)
                _app.Write(_buffer, 0, padded);
            else
                _deploy.Write(_pair, _offset, _buffer, padded);
            _offset += want;
            _attempts = 0;
            if (_offset < part.Size && _offset % Sector == 0 && _offset - _lastCheckpoint >= _checkpointEvery)
            {
                _lastCheckpoint = _offset;
                SaveProgress(DownloadRecord());
            }
        }

        private bool OpenPartStream(ReleasePart part)
        {
            try
            {
                // Threat: If-Range ties the resumed bytes to the entity the earlier bytes came from; a changed file
                // makes the server answer 200 and the adapter throw instead of splicing two files. (The SHA-256 from
                // the signed manifest would catch a splice too, but only after the whole part.)
                _stream = _downloader.OpenAt(part.Url, _offset, _offset > 0 ? _etag : null);
            }
            catch (Exception e)
            {
                NetworkFailed("open " + part.Name + " at " + _offset.ToString(), e);
                return false;
            }
            int total = _stream.TotalLength;
            if (total != part.Size)
            {
                CloseStream();
                bool isApp = _part == 0;
                if (total < part.Size)
                    Reject(isApp ? OtaWords.AppTruncated : OtaWords.DeployTruncated);
                else
                    Reject(isApp ? OtaWords.AppSizeMismatch : OtaWords.DeploySizeMismatch);
                return false;
            }
            if (_stream.Position != _offset)
            {
                CloseStream();
                NetworkFailed("open " + part.Name, new InvalidOperationException("stream starts at " + _stream.Position.ToString()));
                return false;
            }
            if (_offset == 0)
                _etag = _stream.ETag;
            return true;
        }

        private bool FillFromStream(int want)
        {
            int have = 0;
            try
            {
                while (have < want)
                {
                    int n = _stream.Read(_buffer, have, want - have);
                    if (n <= 0)
                        throw new InvalidOperationException("the body ended at " + (_offset + have).ToString() + " of " + CurrentPart().Size.ToString());
                    have += n;
                }
                return true;
            }
            catch (Exception e)
            {
                // The partial chunk is dropped: flash and hash hold exactly _offset bytes, and the retry asks for
                // the range from there.
                NetworkFailed("read " + CurrentPart().Name + " at " + _offset.ToString(), e);
                return false;
            }
        }

        /// <summary>
        /// The first bytes of the nanoCLR image: an ESP32 app image (magic 0xE9, chip id 0) whose esp_app_desc_t
        /// carries the manifest's secure_version. Threat: anti-rollback is enforced by the bootloader on the
        /// IMAGE's secure_version while the pre-check above used the MANIFEST's; they must be the same number.
        /// </summary>
        private bool AppHeadMatches(int count)
        {
            if (count < 0x30 || _buffer[0] != 0xE9 || _buffer[12] != 0 || _buffer[13] != 0
                || _buffer[0x20] != 0x32 || _buffer[0x21] != 0x54 || _buffer[0x22] != 0xCD || _buffer[0x23] != 0xAB)
            {
                Reject(OtaWords.AppNotAnImage);
                return false;
            }
            int secureVersion = _buffer[0x24] | (_buffer[0x25] << 8) | (_buffer[0x26] << 16) | (_buffer[0x27] << 24);
            if (secureVersion != _manifest.SecureVersion)
            {
                Reject(OtaWords.AppSecureVersionMismatch);
                return false;
            }
            return true;
        }

        private void FinishPart(ReleasePart part)
        {
            CloseStream();
            byte[] digest = _sha.Finish();
            _sha = null;
            // Threat: TLS authenticates the server, not the bytes; a compromised or wrong file server is stopped here.
            if (!part.HashMatches(digest))
            {
                Reject(_part == 0 ? OtaWords.AppHashMismatch : OtaWords.DeployHashMismatch);
                return;
            }
            _log.Info("ota: " + part.Name + " " + part.Size.ToString() + " bytes, sha-256 ok");
            if (_part == 0)
            {
                _part = 1;
                _offset = 0;
                _etag = null;
                _lastCheckpoint = 0;
                _partPrepared = false;
                SaveProgress(DownloadRecord());
                return;
            }
            SaveProgress(DownloadRecord()); // deploy complete: a reboot now only re-hashes and verifies
            _phase = OtaPhase.Verifying;
            Report(OtaWords.Downloaded);
        }

        private void RehashStep()
        {
            ReleasePart part = _rehashPart == 0 ? _manifest.App : _manifest.Deploy;
            int target = _rehashPart < _part ? part.Size : _offset;
            if (_rehashOffset >= target)
            {
                if (_rehashPart < _part)
                {
                    if (!part.HashMatches(_sha.Finish()))
                    {
                        Reject(OtaWords.AppHashMismatch);
                        return;
                    }
                    _sha = _crypto.CreateSha256();
                    _rehashPart++;
                    _rehashOffset = 0;
                    return;
                }
                _partPrepared = false; // Resume / erase from the checkpoint on
                _phase = OtaPhase.Downloading;
                return;
            }
            int n = target - _rehashOffset;
            if (n > _buffer.Length)
                n = _buffer.Length;
            if (_rehashPart == 0)
                _app.Read(_pair, _rehashOffset, _buffer, n);
            else
                _deploy.Read(_pair, _rehashOffset, _buffer, n);
            if (_rehashPart == 0 && _rehashOffset == 0 && !AppHeadMatches(n))
                return;
            _sha.Append(_buffer, 0, n);
            _rehashOffset += n;
        }

        // ---- verify and switch ----

        private void VerifyStep()
        {
            Report(OtaWords.Verifying);
            if (!_appOpen)
            {
                _app.Resume(_manifest.App.Size, _manifest.App.Size); // after a reboot: re-open the handle, nothing to erase
                _appOpen = true;
            }
            bool valid = _app.End();
            _appOpen = false;
            // Threat: a hash-correct but unbootable image (a release-tool mistake) must never be selected.
            if (!valid)
            {
                Reject(OtaWords.AppImageInvalid);
                return;
            }
            // rel_N before the switch: once the bootloader may run the new pair, its record must already be the new
            // version, or a power cut here would leave the new pair with the older record as its downgrade floor.
            string key = OtaStoreKeys.ReleaseOf(_pair);
            string previous = _store.GetString(DeviceStoreKeys.Namespace, key);
            _store.SetString(DeviceStoreKeys.Namespace, key, _manifest.Version);
            if (!_app.SetBootSlot())
            {
                if (previous != null)
                    _store.SetString(DeviceStoreKeys.Namespace, key, previous);
                else
                    _store.Erase(DeviceStoreKeys.Namespace, key);
                Reject(OtaWords.BootRefused);
                return;
            }
            OtaProgress boot = DownloadRecord();
            boot.Stage = OtaProgress.StageBoot;
            SaveProgress(boot);
            _store.SetString(DeviceStoreKeys.Namespace, OtaStoreKeys.LastOutcome, OtaWords.Rebooting);
            _log.Info("ota: pair " + _pair.ToString() + " selected (" + _manifest.Version + "), rebooting");
            RestoreNetwork();
            _phase = OtaPhase.Rebooting;
            _waitMs = 0;
            Report(OtaWords.Rebooting);
        }

        // ---- helpers ----

        private OtaProgress DownloadRecord()
        {
            OtaProgress p = new OtaProgress();
            p.Stage = OtaProgress.StageDownload;
            p.ManifestSha256 = _manifestHash;
            p.Url = _url;
            p.Slot = _pair;
            p.Part = _part == 0 ? ReleasePart.AppName : ReleasePart.DeployName;
            p.Offset = _offset;
            p.ETag = _etag;
            return p;
        }

        private void SaveProgress(OtaProgress p)
        {
            _store.SetString(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress, p.ToText());
        }

        private void NetworkFailed(string what, Exception e)
        {
            CloseStream();
            _attempts++;
            _log.Info("ota: " + what + " failed (" + _attempts.ToString() + "/" + _settings.MaxAttempts.ToString() + "): " + e.Message);
            if (_attempts >= _settings.MaxAttempts)
            {
                Reject(OtaWords.DownloadFailed);
                return;
            }
            _retryPhase = _phase;
            _phase = OtaPhase.RetryWait;
            _waitMs = 0;
        }

        private void Reject(string reason)
        {
            string word = OtaWords.Rejected(reason);
            _log.Info("ota: " + word);
            CloseStream();
            if (_appOpen)
            {
                _app.Abort();
                _appOpen = false;
            }
            _sha = null;
            _manifest = null;
            _resume = null;
            _partPrepared = false;
            if (_store.GetString(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress) != null)
                _store.Erase(DeviceStoreKeys.Namespace, OtaStoreKeys.Progress);
            _phase = OtaPhase.Idle;
            RestoreNetwork();
            Finish(word);
        }

        private void RestoreNetwork()
        {
            if (_networkReleased)
            {
                _networkReleased = false;
                // Threat: none (resource limit): the kept-alive HTTPS connection goes before MQTT comes back.
                _downloader.CloseConnections();
                _host.RestoreNetwork();
            }
        }

        /// <summary>An outcome: persisted in ota_last (survives the reboot) and reported.</summary>
        private void Finish(string word)
        {
            _store.SetString(DeviceStoreKeys.Namespace, OtaStoreKeys.LastOutcome, word);
            Report(word);
        }

        private void Report(string word)
        {
            _published = false;
            if (word == _status)
                return;
            _status = word;
            _host.OtaStatusChanged(word);
        }

        private void CloseStream()
        {
            if (_stream != null)
            {
                IDownloadStream s = _stream;
                _stream = null;
                DisposeQuietly(s);
            }
        }

        private static void DisposeQuietly(IDownloadStream s)
        {
            try
            {
                s.Dispose();
            }
            catch (Exception)
            {
                // closing a broken connection may fail; it is closed either way
            }
        }

        /// <summary>
        /// Milliseconds since the last Tick. A negative step or one above a minute is a clock step (SNTP setting the
        /// RTC from 1970), not elapsed time, and counts as 0: a good release must not roll back because the clock
        /// jumped, and a clock set backwards must not stretch the window.
        /// </summary>
        private int StepMs()
        {
            long now = _clock.UtcNow.Ticks;
            if (!_haveLastTick)
            {
                _haveLastTick = true;
                _lastTicks = now;
                return 0;
            }
            long delta = (now - _lastTicks) / 10000;
            _lastTicks = now;
            if (delta < 0 || delta > MaxTickStepMs)
                return 0;
            return (int)delta;
        }

        private static int RoundUp(int value, int unit)
        {
            return (value + unit - 1) / unit * unit;
        }

        public static string PhaseName(OtaPhase phase)
        {
            switch (phase)
            {
                case OtaPhase.Idle: return "idle";
                case OtaPhase.SelfTest: return "self-test";
                case OtaPhase.AwaitReport: return "await-report";
                case OtaPhase.Checking: return "checking";
                case OtaPhase.Rehashing: return "rehashing";
                case OtaPhase.Downloading: return "downloading";
                case OtaPhase.RetryWait: return "retry-wait";
                case OtaPhase.Verifying: return "verifying";
                case OtaPhase.Rebooting: return "rebooting";
                default: return "unknown";
            }
        }
    }
}
