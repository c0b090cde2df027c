<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom 1.0 file from this site as a readable page when it is opened in a
     browser. Feed readers ignore it. Written for the syndication project. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:a="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="a dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="rss/channel/title | a:feed/a:title"/>
    <html lang="id">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 46rem;
                 padding: 1rem; color: #1d1d1f; background: #fafafa; }
          .note { background: #fff6d6; border: 1px solid #e8d48a; border-radius: 6px;
                  padding: .75rem 1rem; }
          code { word-break: break-all; }
          article { border-bottom: 1px solid #ddd; padding: .75rem 0; }
          article h2 { font-size: 1.1rem; margin: 0 0 .25rem; }
          time { color: #666; font-size: .9rem; }
          a { color: #0b57d0; }
        </style>
      </head>
      <body>
        <p class="note">Ini adalah <strong>feed</strong>. Salin alamat halaman ini ke aplikasi
          pembaca RSS untuk berlangganan.</p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><xsl:value-of select="rss/channel/description | a:feed/a:subtitle"/></p>
        <xsl:apply-templates select="rss/channel/item | a:feed/a:entry"/>
        <xsl:if test="not(rss/channel/item | a:feed/a:entry)">
          <p>Belum ada berita.</p>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time><xsl:value-of select="pubDate"/></time>
      <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
    </article>
  </xsl:template>

  <xsl:template match="a:entry">
    <article>
      <h2><a href="{a:link[@rel='alternate']/@href}"><xsl:value-of select="a:title"/></a></h2>
      <time><xsl:value-of select="a:published"/></time>
      <xsl:if test="a:author/a:name"> · <xsl:value-of select="a:author/a:name"/></xsl:if>
      <p><xsl:value-of select="a:summary"/></p>
    </article>
  </xsl:template>
</xsl:stylesheet>
