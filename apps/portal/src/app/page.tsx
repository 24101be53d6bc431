import Link from 'next/link';
import styles from './page.module.css';

const audiences = [
  {
    title: 'Developers',
    text: 'Register an application, pick an API and a plan, and get an API key or OAuth2 client credentials — at once, or after approval.',
  },
  {
    title: 'API owners',
    text: 'Decide who may call your API: approve or reject requests with a comment, and see which applications use it.',
  },
  {
    title: 'Security teams',
    text: 'Every access decision, allowed or denied, streams to your SIEM as CEF, LEEF, OCSF or Splunk HEC — with alerts on anomalies.',
  },
  {
    title: 'Operators',
    text: 'Self-hosted on PostgreSQL, Kafka and Redis. Scale the gateway and audit service out by adding replicas.',
  },
];

const steps = [
  {
    title: 'Register an application',
    text: 'Describe the service that will call APIs, once, in the portal.',
  },
  {
    title: 'Request access',
    text: 'Choose an API, a plan and an environment: sandbox or production.',
  },
  {
    title: 'Receive credentials',
    text: 'A secret is shown once and stored only as a hash. Rotate without downtime.',
  },
  {
    title: 'Call through the gateway',
    text: 'Tokens are verified locally at the gateway; revocation takes effect within a second.',
  },
];

const standards = [
  'OAuth 2.0 client credentials',
  'JWT access tokens (RFC 9068)',
  'private_key_jwt',
  'Mutual TLS',
  'W3C Trace Context',
  'Syslog (RFC 5424)',
  'CEF · LEEF · OCSF',
  'Splunk HEC',
];

export default function HomePage() {
  return (
    <>
      <section className={`container ${styles.hero}`} aria-labelledby="hero-title">
        <p className={styles.eyebrow}>Machine-to-machine API access</p>
        <h1 id="hero-title" className={styles.title}>
          Let services in. Keep a record of every call.
        </h1>
        <p className={styles.lead}>
          Portcullis is a self-hosted platform for API access between services: a developer portal,
          an OAuth2 authorization server, a gateway that authenticates, authorizes and rate-limits
          every request, and an audit trail your security team can trust.
        </p>
        <div className={styles.actions}>
          <Link href="/sign-up" className="button button-primary">
            Create a developer account
          </Link>
          <Link href="/catalog" className="button button-secondary">
            Browse the API catalog
          </Link>
        </div>
      </section>

      <section className={`container ${styles.section}`} aria-labelledby="audiences-title">
        <h2 id="audiences-title">One gate, four kinds of people</h2>
        <p className={styles.sectionLead}>
          Each gets the part of the platform they need, and nothing they should not see.
        </p>
        <ul className={styles.cards}>
          {audiences.map((audience) => (
            <li key={audience.title} className={styles.card}>
              <h3>{audience.title}</h3>
              <p>{audience.text}</p>
            </li>
          ))}
        </ul>
      </section>

      <section className={`container ${styles.section}`} aria-labelledby="steps-title">
        <h2 id="steps-title">From sign-up to first call</h2>
        <ol className={styles.steps}>
          {steps.map((step) => (
            <li key={step.title} className={styles.step}>
              <h3>{step.title}</h3>
              <p>{step.text}</p>
            </li>
          ))}
        </ol>
      </section>

      <section className={`container ${styles.section}`} aria-labelledby="catalog-title">
        <div className={styles.teaser}>
          <div>
            <h2 id="catalog-title">The API catalog</h2>
            <p className={styles.sectionLead}>
              Every API published behind the gateway, with its plans, scopes and environments, and
              whether access is granted at once or after an owner approves it.
            </p>
            <Link href="/catalog" className="button button-secondary">
              Preview the catalog
            </Link>
          </div>
          <dl className={styles.facts}>
            <div>
              <dt>Plans</dt>
              <dd>Rate limits and quotas per application.</dd>
            </div>
            <div>
              <dt>Environments</dt>
              <dd>Sandbox may auto-approve; production can require a person.</dd>
            </div>
            <div>
              <dt>Credentials</dt>
              <dd>API keys or OAuth2 client credentials, as each API requires.</dd>
            </div>
          </dl>
        </div>
      </section>

      <section className={`container ${styles.section}`} aria-labelledby="standards-title">
        <h2 id="standards-title">Built on open standards</h2>
        <p className={styles.sectionLead}>
          Your clients and your SIEM already speak these; Portcullis does not invent its own.
        </p>
        <ul className={styles.standards}>
          {standards.map((standard) => (
            <li key={standard}>{standard}</li>
          ))}
        </ul>
      </section>
    </>
  );
}
