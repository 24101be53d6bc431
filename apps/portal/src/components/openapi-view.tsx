import { summarizeOpenApi } from '../lib/openapi';
import { EmptyState } from './ui';

/** The API's OpenAPI document as readable lists: every value rendered as text, never as HTML. */
export function OpenApiView({ document }: { document: unknown }) {
  const summary = summarizeOpenApi(document);
  if (!summary) {
    return (
      <EmptyState title="No OpenAPI document">
        <p>The owners have not published one yet. The routes above are what the gateway accepts.</p>
      </EmptyState>
    );
  }
  return (
    <div>
      {(summary.title || summary.version) && (
        <p className="muted">
          {summary.title} {summary.version && <>· version {summary.version}</>}
        </p>
      )}
      {summary.description && <p className="prewrap">{summary.description}</p>}
      <h3>Operations</h3>
      {summary.operations.length === 0 && (
        <p className="muted">The document lists no operations.</p>
      )}
      {summary.operations.map((operation) => (
        <details key={`${operation.method} ${operation.path}`} className="operation">
          <summary>
            <span className="method">{operation.method}</span>
            <span className="operation-path">{operation.path}</span>
            {operation.summary && <span className="muted">{operation.summary}</span>}
          </summary>
          <div className="operation-body">
            {operation.description && <p className="prewrap">{operation.description}</p>}
            {operation.security.length > 0 && (
              <p>
                Needs: <code>{operation.security.join(', ')}</code>
              </p>
            )}
            {operation.parameters.length > 0 && (
              <div className="table-wrap">
                <table className="table">
                  <caption>Parameters</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">In</th>
                      <th scope="col">Type</th>
                      <th scope="col">Description</th>
                    </tr>
                  </thead>
                  <tbody>
                    {operation.parameters.map((parameter) => (
                      <tr key={`${parameter.in}:${parameter.name}`}>
                        <th scope="row">
                          <code>{parameter.name}</code>
                          {parameter.required && <span className="muted"> (required)</span>}
                        </th>
                        <td>{parameter.in}</td>
                        <td>
                          <code>{parameter.type}</code>
                        </td>
                        <td>{parameter.description ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {operation.requestBody && (
              <p>
                Request body{operation.requestBody.required ? '' : ' (optional)'}:{' '}
                <code>{operation.requestBody.type}</code>
              </p>
            )}
            {operation.responses.length > 0 && (
              <ul className="plain-list">
                {operation.responses.map((response) => (
                  <li key={response.status}>
                    <strong>{response.status}</strong> {response.description}
                    {response.type && (
                      <>
                        {' '}
                        — <code>{response.type}</code>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </details>
      ))}
      {summary.schemas.length > 0 && (
        <>
          <h3>Schemas</h3>
          {summary.schemas.map((schema) => (
            <details key={schema.name} className="operation">
              <summary>
                <span className="operation-path">{schema.name}</span>
                <span className="muted">{schema.type}</span>
              </summary>
              <div className="operation-body">
                {schema.description && <p>{schema.description}</p>}
                {schema.properties.length === 0 ? (
                  <p className="muted">No listed properties.</p>
                ) : (
                  <ul className="plain-list">
                    {schema.properties.map((property) => (
                      <li key={property.name}>
                        <code>{property.name}</code>
                        {property.required ? '' : '?'}: <code>{property.type}</code>
                        {property.description && (
                          <span className="muted"> — {property.description}</span>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </details>
          ))}
        </>
      )}
    </div>
  );
}
