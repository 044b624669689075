using System;

namespace IotDevice.Core.Renewal
{
    /// <summary>
    /// When the device asks the renewal service: when its certificate is expired or within the renewal
    /// window (default 30 days) of notAfter — proactively over the primary — and whenever it is on the
    /// fallback; never more often than <see cref="MinRequestInterval"/> (one standing/renew exchange per 10
    /// minutes), the gap doubling after each failure up to a day; a revoked device checks back daily.
    /// Threat: the device must not become a load generator for the service (a fleet stuck on the fallback,
    /// or an attacker replaying rejections), and the service rate-limits too.
    /// </summary>
    public sealed class RenewalPolicy
    {
        private DateTime _next = DateTime.MinValue;
        private int _failures;

        public RenewalPolicy()
        {
            RenewalWindow = TimeSpan.FromDays(30);
            MinRequestInterval = TimeSpan.FromMinutes(10);
            MaxRetryInterval = TimeSpan.FromDays(1);
            RevokedCheckInterval = TimeSpan.FromDays(1);
            StandingOkInterval = TimeSpan.FromDays(1);
        }

        public TimeSpan RenewalWindow { get; set; }

        public TimeSpan MinRequestInterval { get; set; }

        public TimeSpan MaxRetryInterval { get; set; }

        public TimeSpan RevokedCheckInterval { get; set; }

        /// <summary>After the service said "ok" on the primary, how long before asking again.</summary>
        public TimeSpan StandingOkInterval { get; set; }

        /// <summary>Earliest time of the next request.</summary>
        public DateTime NextRequest
        {
            get { return _next; }
        }

        public int ConsecutiveFailures
        {
            get { return _failures; }
        }

        /// <summary>True when the certificate is expired or within the window at <paramref name="now"/>.</summary>
        public bool IsDue(DateTime now, DateTime notAfter)
        {
            return now >= notAfter - RenewalWindow;
        }

        public bool MayRequest(DateTime now)
        {
            return now >= _next;
        }

        /// <summary>A request went out.</summary>
        public void RecordRequest(DateTime now)
        {
            _next = now + MinRequestInterval;
        }

        /// <summary>Timeout, refusal, rejected response, trial refused: wait min · 2^(failures-1), capped.</summary>
        public void RecordFailure(DateTime now)
        {
            if (_failures < 30)
                _failures++;
            long ticks = MinRequestInterval.Ticks;
            for (int i = 1; i < _failures && ticks < MaxRetryInterval.Ticks; i++)
                ticks *= 2;
            if (ticks > MaxRetryInterval.Ticks)
                ticks = MaxRetryInterval.Ticks;
            _next = now + new TimeSpan(ticks);
        }

        /// <summary>A renewal committed.</summary>
        public void RecordSuccess(DateTime now)
        {
            _failures = 0;
            _next = now + MinRequestInterval;
        }

        /// <summary>Standing "ok" while on the primary: ask again later.</summary>
        public void RecordStandingOk(DateTime now)
        {
            _failures = 0;
            _next = now + StandingOkInterval;
        }

        public void RecordRevoked(DateTime now)
        {
            _next = now + RevokedCheckInterval;
        }
    }
}
