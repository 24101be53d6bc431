/** What a snippet needs to get a token and call one API operation through the gateway. */
export interface SnippetInput {
  /** `credentials`: OAuth2 client credentials; `api_key`: an X-API-Key header. */
  auth: 'client_credentials' | 'api_key';
  tokenUrl: string;
  gatewayUrl: string;
  /** The API's gateway prefix, e.g. `/payments`. */
  basePath: string;
  /** An operation path below basePath, e.g. `/orders`. */
  path: string;
  method: string;
  /** The application's client id; a placeholder when the developer has none yet. */
  clientId: string;
  /** RFC 8707 resource indicator of the API. */
  resource: string;
  scopes: readonly string[];
}

export type SnippetLanguage = 'curl' | 'node' | 'python' | 'java' | 'go' | 'csharp';

export interface Snippet {
  language: SnippetLanguage;
  label: string;
  code: string;
}

export const SNIPPET_LANGUAGES: readonly { language: SnippetLanguage; label: string }[] = [
  { language: 'curl', label: 'curl' },
  { language: 'node', label: 'Node.js' },
  { language: 'python', label: 'Python' },
  { language: 'java', label: 'Java' },
  { language: 'go', label: 'Go' },
  { language: 'csharp', label: 'C#' },
];

/** The secret never appears in a snippet: each reads it from this environment variable. */
export const SECRET_ENV = 'PORTCULLIS_CLIENT_SECRET';
export const API_KEY_ENV = 'PORTCULLIS_API_KEY';

/** A string literal valid in JavaScript, Python, Java, Go and C# (JSON's escaping is a common subset). */
function literal(value: string): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A single-quoted shell word: nothing inside is expanded. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins base URL, API prefix and path with exactly one slash between each. */
export function joinUrl(base: string, ...parts: string[]): string {
  let url = base.replace(/\/+$/, '');
  for (const part of parts) {
    const trimmed = part.replace(/^\/+|\/+$/g, '');
    if (trimmed) url += `/${trimmed}`;
  }
  return url;
}

/** Path parameters (`{id}`) become a visible example value so the snippet runs as is. */
export function examplePath(pathPattern: string): string {
  return pathPattern.replace(/\{[^}/]+\}/g, '123');
}

function formBody(input: SnippetInput): string {
  const params = [
    'grant_type=client_credentials',
    `resource=${encodeURIComponent(input.resource)}`,
  ];
  if (input.scopes.length > 0) params.push(`scope=${encodeURIComponent(input.scopes.join(' '))}`);
  return params.join('&');
}

export function generateSnippets(input: SnippetInput): Snippet[] {
  return SNIPPET_LANGUAGES.map(({ language, label }) => ({
    language,
    label,
    code: generators[language](input),
  }));
}

const generators: Record<SnippetLanguage, (input: SnippetInput) => string> = {
  curl(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = input.method.toUpperCase();
    const methodFlag = method === 'GET' ? '' : ` -X ${method}`;
    if (input.auth === 'api_key') {
      return [
        `# export ${API_KEY_ENV}=...  (shown once when you created the key)`,
        `curl${methodFlag} ${shellWord(url)} \\`,
        `  -H "X-API-Key: $${API_KEY_ENV}"`,
      ].join('\n');
    }
    return [
      `# export ${SECRET_ENV}=...  (shown once when you created the credential)`,
      `TOKEN=$(curl -s -X POST ${shellWord(input.tokenUrl)} \\`,
      `  -u ${shellWord(`${input.clientId}:`)}"$${SECRET_ENV}" \\`,
      `  -d ${shellWord(formBody(input))} | jq -r .access_token)`,
      '',
      `curl${methodFlag} ${shellWord(url)} \\`,
      `  -H "Authorization: Bearer $TOKEN"`,
    ].join('\n');
  },

  node(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = literal(input.method.toUpperCase());
    if (input.auth === 'api_key') {
      return [
        `const response = await fetch(${literal(url)}, {`,
        `  method: ${method},`,
        `  headers: { 'X-API-Key': process.env.${API_KEY_ENV} },`,
        `});`,
        `console.log(response.status, await response.json());`,
      ].join('\n');
    }
    return [
      `const clientId = ${literal(input.clientId)};`,
      `const basic = Buffer.from(\`\${clientId}:\${process.env.${SECRET_ENV}}\`).toString('base64');`,
      `const tokenResponse = await fetch(${literal(input.tokenUrl)}, {`,
      `  method: 'POST',`,
      `  headers: {`,
      `    Authorization: \`Basic \${basic}\`,`,
      `    'Content-Type': 'application/x-www-form-urlencoded',`,
      `  },`,
      `  body: ${literal(formBody(input))},`,
      `});`,
      `const { access_token } = await tokenResponse.json();`,
      ``,
      `const response = await fetch(${literal(url)}, {`,
      `  method: ${method},`,
      `  headers: { Authorization: \`Bearer \${access_token}\` },`,
      `});`,
      `console.log(response.status, await response.json());`,
    ].join('\n');
  },

  python(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = input.method.toLowerCase();
    if (input.auth === 'api_key') {
      return [
        `import os, requests`,
        ``,
        `response = requests.${method}(${literal(url)},`,
        `    headers={"X-API-Key": os.environ[${literal(API_KEY_ENV)}]})`,
        `print(response.status_code, response.json())`,
      ].join('\n');
    }
    return [
      `import os, requests`,
      ``,
      `token = requests.post(`,
      `    ${literal(input.tokenUrl)},`,
      `    auth=(${literal(input.clientId)}, os.environ[${literal(SECRET_ENV)}]),`,
      `    data={`,
      `        "grant_type": "client_credentials",`,
      `        "resource": ${literal(input.resource)},`,
      ...(input.scopes.length > 0 ? [`        "scope": ${literal(input.scopes.join(' '))},`] : []),
      `    },`,
      `).json()["access_token"]`,
      ``,
      `response = requests.${method}(${literal(url)},`,
      `    headers={"Authorization": f"Bearer {token}"})`,
      `print(response.status_code, response.json())`,
    ].join('\n');
  },

  java(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = literal(input.method.toUpperCase());
    const header =
      input.auth === 'api_key'
        ? `.header("X-API-Key", System.getenv(${literal(API_KEY_ENV)}))`
        : `.header("Authorization", "Bearer " + token)`;
    const tokenPart =
      input.auth === 'api_key'
        ? []
        : [
            `String basic = Base64.getEncoder().encodeToString(`,
            `    (${literal(input.clientId)} + ":" + System.getenv(${literal(SECRET_ENV)})).getBytes(StandardCharsets.UTF_8));`,
            `HttpResponse<String> tokenResponse = http.send(HttpRequest.newBuilder(URI.create(${literal(input.tokenUrl)}))`,
            `    .header("Authorization", "Basic " + basic)`,
            `    .header("Content-Type", "application/x-www-form-urlencoded")`,
            `    .POST(HttpRequest.BodyPublishers.ofString(${literal(formBody(input))}))`,
            `    .build(), HttpResponse.BodyHandlers.ofString());`,
            `// Any JSON library will do; a regex keeps the example dependency-free.`,
            `String token = tokenResponse.body().replaceAll(".*\\"access_token\\"\\\\s*:\\\\s*\\"([^\\"]+)\\".*", "$1");`,
            ``,
          ];
    return [
      `import java.net.URI;`,
      `import java.net.http.*;`,
      `import java.nio.charset.StandardCharsets;`,
      `import java.util.Base64;`,
      ``,
      `HttpClient http = HttpClient.newHttpClient();`,
      ...tokenPart,
      `HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(${literal(url)}))`,
      `    ${header}`,
      `    .method(${method}, HttpRequest.BodyPublishers.noBody())`,
      `    .build(), HttpResponse.BodyHandlers.ofString());`,
      `System.out.println(response.statusCode() + " " + response.body());`,
    ].join('\n');
  },

  go(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = literal(input.method.toUpperCase());
    if (input.auth === 'api_key') {
      return [
        `req, _ := http.NewRequest(${method}, ${literal(url)}, nil)`,
        `req.Header.Set("X-API-Key", os.Getenv(${literal(API_KEY_ENV)}))`,
        `resp, err := http.DefaultClient.Do(req)`,
        `if err != nil { log.Fatal(err) }`,
        `defer resp.Body.Close()`,
        `body, _ := io.ReadAll(resp.Body)`,
        `fmt.Println(resp.StatusCode, string(body))`,
      ].join('\n');
    }
    return [
      `// import "golang.org/x/oauth2/clientcredentials"`,
      `config := clientcredentials.Config{`,
      `    ClientID:       ${literal(input.clientId)},`,
      `    ClientSecret:   os.Getenv(${literal(SECRET_ENV)}),`,
      `    TokenURL:       ${literal(input.tokenUrl)},`,
      ...(input.scopes.length > 0
        ? [`    Scopes:         []string{${input.scopes.map(literal).join(', ')}},`]
        : []),
      `    EndpointParams: url.Values{"resource": {${literal(input.resource)}}},`,
      `}`,
      `client := config.Client(context.Background())`,
      `req, _ := http.NewRequest(${method}, ${literal(url)}, nil)`,
      `resp, err := client.Do(req)`,
      `if err != nil { log.Fatal(err) }`,
      `defer resp.Body.Close()`,
      `body, _ := io.ReadAll(resp.Body)`,
      `fmt.Println(resp.StatusCode, string(body))`,
    ].join('\n');
  },

  csharp(input) {
    const url = joinUrl(input.gatewayUrl, input.basePath, examplePath(input.path));
    const method = literal(input.method.toUpperCase());
    if (input.auth === 'api_key') {
      return [
        `using var http = new HttpClient();`,
        `var request = new HttpRequestMessage(new HttpMethod(${method}), ${literal(url)});`,
        `request.Headers.Add("X-API-Key", Environment.GetEnvironmentVariable(${literal(API_KEY_ENV)}));`,
        `var response = await http.SendAsync(request);`,
        `Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");`,
      ].join('\n');
    }
    return [
      `using System.Net.Http.Headers;`,
      `using System.Text;`,
      `using System.Text.Json;`,
      ``,
      `using var http = new HttpClient();`,
      `var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(`,
      `    ${literal(input.clientId)} + ":" + Environment.GetEnvironmentVariable(${literal(SECRET_ENV)})));`,
      `var tokenRequest = new HttpRequestMessage(HttpMethod.Post, ${literal(input.tokenUrl)})`,
      `{`,
      `    Content = new StringContent(${literal(formBody(input))}, Encoding.UTF8, "application/x-www-form-urlencoded"),`,
      `};`,
      `tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);`,
      `var tokenJson = JsonDocument.Parse(await (await http.SendAsync(tokenRequest)).Content.ReadAsStringAsync());`,
      `var token = tokenJson.RootElement.GetProperty("access_token").GetString();`,
      ``,
      `var request = new HttpRequestMessage(new HttpMethod(${method}), ${literal(url)});`,
      `request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);`,
      `var response = await http.SendAsync(request);`,
      `Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");`,
    ].join('\n');
  },
};
